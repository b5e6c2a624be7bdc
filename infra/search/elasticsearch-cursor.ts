import { AppError } from '../../runtime/errors.ts';

/**
 * Page cursors for Elasticsearch: the sort values of the page's last hit (score, then id) for
 * `search_after`, plus the fingerprint of the query they belong to (cursor.ts's queryFingerprint).
 * Deep pages cost as little as the first (no from/size window), and the refusals match the
 * embedded adapter's: a malformed cursor or one from another query is BAD_REQUEST.
 */
export type SortValues = [score: number, id: string];

interface AfterPayload {
  a: SortValues;
  q: string;
}

export function encodeAfterCursor(after: SortValues, fingerprint: string): string {
  const payload: AfterPayload = { a: after, q: fingerprint };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

export function decodeAfterCursor(adapter: string, cursor: string, fingerprint: string): SortValues {
  let payload: Partial<AfterPayload> | undefined;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<AfterPayload>;
  } catch (error) {
    throw new AppError('BAD_REQUEST', `[${adapter}] malformed cursor`, { cause: error });
  }
  const after = payload?.a;
  const valid = Array.isArray(after) && after.length === 2 && Number.isFinite(after[0]) && typeof after[1] === 'string';
  if (!valid || typeof payload?.q !== 'string') throw new AppError('BAD_REQUEST', `[${adapter}] malformed cursor`);
  if (payload.q !== fingerprint) throw new AppError('BAD_REQUEST', `[${adapter}] the cursor belongs to another query`);
  return after as SortValues;
}
