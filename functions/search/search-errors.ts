import { AppError, isAppError } from '../../runtime/errors.ts';

/**
 * Search port errors as API callers see them. Input is validated before it reaches the port, so
 * a refusal from the port can only be about the cursor (malformed, or issued for another search)
 * or about words the engine found nothing to search in; engine failures become a plain 503
 * whose detail names no engine, adapter or query (the original stays as `cause`, for the logs).
 */
export function toSearchApiError(error: unknown, withCursor: boolean): AppError {
  if (!isAppError(error)) return new AppError('INTERNAL', 'Search failed', { cause: error });
  if (error.code === 'BAD_REQUEST' && withCursor) {
    return new AppError('BAD_REQUEST', 'cursor: malformed, or issued for another search (other words or filters, conversations joined or left, or a rebuilt index); search again without a cursor', {
      issues: [{ path: 'query.cursor', message: 'does not belong to this search' }],
      cause: error,
    });
  }
  if (error.code === 'BAD_REQUEST') {
    return new AppError('BAD_REQUEST', 'q: nothing searchable in the query', { issues: [{ path: 'query.q', message: 'nothing searchable' }], cause: error });
  }
  if (error.code === 'INTERNAL') return new AppError('INTERNAL', 'Search failed', { cause: error });
  return new AppError('ENGINE_UNAVAILABLE', 'Search is temporarily unavailable; retry shortly', { cause: error, headers: { 'retry-after': '1' } });
}
