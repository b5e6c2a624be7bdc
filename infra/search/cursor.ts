import { createHash } from 'node:crypto';
import { AppError } from '../../runtime/errors.ts';

/**
 * Opaque page cursors: base64url JSON of an offset and a fingerprint of the query it belongs to,
 * so a cursor replayed against another query (other words, filter or index) is refused instead of
 * silently returning an unrelated page.
 */
interface CursorPayload {
  o: number;
  q: string;
}

/** Key order of filter objects must not change the fingerprint. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function queryFingerprint(parts: unknown): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('base64url').slice(0, 22);
}

export function encodeCursor(offset: number, fingerprint: string): string {
  const payload: CursorPayload = { o: offset, q: fingerprint };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/** The offset a cursor stands for; BAD_REQUEST when it is malformed or from another query. */
export function decodeCursor(adapter: string, cursor: string, fingerprint: string): number {
  let payload: Partial<CursorPayload> | undefined;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorPayload>;
  } catch (error) {
    throw new AppError('BAD_REQUEST', `[${adapter}] malformed cursor`, { cause: error });
  }
  const offset = payload?.o;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0 || typeof payload?.q !== 'string') {
    throw new AppError('BAD_REQUEST', `[${adapter}] malformed cursor`);
  }
  if (payload.q !== fingerprint) {
    throw new AppError('BAD_REQUEST', `[${adapter}] the cursor belongs to another query`);
  }
  return offset;
}
