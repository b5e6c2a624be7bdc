import { errors } from '@elastic/elasticsearch';
import { AppError } from '../../runtime/errors.ts';

/**
 * Elasticsearch failures at the adapter boundary. Transient ones (no answer, throttling, a node
 * restarting) are left to the one engine policy, which retries them and counts them towards its
 * breaker; every other answer becomes an AppError here and is never retried. Messages name the
 * operation and the engine's error type, never the engine's reason text (it may quote documents).
 */
const TRANSIENT_STATUSES = new Set([429, 502, 503, 504]);

export function isTransientStatus(status: number | undefined): boolean {
  return TRANSIENT_STATUSES.has(status ?? 0);
}

/**
 * Some items of a bulk write were throttled or hit a restarting shard. Sending the whole bulk
 * again is safe: every item is a versioned (or plain) full-document write, so the items that
 * already landed land again unchanged.
 */
export class BulkItemsRejected extends Error {
  constructor(readonly count: number, readonly firstType: string) {
    super(`${count} bulk item(s) rejected for now (${firstType})`);
    this.name = 'BulkItemsRejected';
  }
}

export function isTransientElasticError(error: unknown): boolean {
  if (error instanceof BulkItemsRejected) return true;
  if (error instanceof errors.ResponseError) return isTransientStatus(error.meta.statusCode);
  return error instanceof errors.ConnectionError || error instanceof errors.TimeoutError || error instanceof errors.NoLivingConnectionsError;
}

export function elasticErrorType(error: unknown): string | undefined {
  if (!(error instanceof errors.ResponseError)) return undefined;
  const body = error.meta.body as { error?: { type?: string } | string } | undefined;
  return typeof body?.error === 'object' ? body.error.type : undefined;
}

export function isIndexMissing(error: unknown): boolean {
  return error instanceof errors.ResponseError && error.meta.statusCode === 404 && elasticErrorType(error) === 'index_not_found_exception';
}

/** A 404 about a document (the index exists). */
export function isMissingDocument(error: unknown): boolean {
  return error instanceof errors.ResponseError && error.meta.statusCode === 404 && !isIndexMissing(error);
}

export function missingIndex(adapter: string, index: string, cause?: unknown): AppError {
  return new AppError('NOT_FOUND', `[${adapter}] index "${index}" does not exist; call ensureIndex first`, { cause });
}

/** A non-transient failure of `operation` on `index`, as an AppError. */
export function translateElasticError(adapter: string, operation: string, index: string, error: unknown): AppError {
  if (isIndexMissing(error)) return missingIndex(adapter, index, error);
  const type = elasticErrorType(error) ?? (error instanceof Error ? error.name : 'error');
  const status = error instanceof errors.ResponseError ? error.meta.statusCode : undefined;
  if (status === 400) return new AppError('BAD_REQUEST', `[${adapter}] ${operation} on "${index}" was refused by the engine (${type})`, { cause: error });
  if (status === 401 || status === 403) {
    return new AppError('ENGINE_UNAVAILABLE', `[${adapter}] ${operation} was refused (${type}): check Elasticsearch credentials`, { cause: error });
  }
  return new AppError('INTERNAL', `[${adapter}] ${operation} on "${index}" failed (${type}${status ? `, HTTP ${status}` : ''})`, { cause: error });
}
