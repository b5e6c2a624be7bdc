import { randomBytes } from 'node:crypto';
import { AppError } from '../../runtime/errors.ts';
import { STORE_LIMITS, type Doc } from './port.ts';
import { isPlainObject } from './guard.ts';

/**
 * Turns a document into the JSON both adapters agree on, refusing what would not round-trip:
 * non-string `_id`, Dates, typed arrays, non-finite numbers, `$`-prefixed field names. The JSON
 * byte length is the size measure for STORE_LIMITS.maxDocumentBytes (LIMIT_EXCEEDED beyond it).
 * `undefined` fields are dropped, as JSON does (the MongoDB adapter runs with ignoreUndefined).
 */
export function serializeDocument(doc: unknown, adapter: string): string {
  if (!isPlainObject(doc)) throw bad(adapter, 'document must be a plain object');
  if (typeof doc._id !== 'string' || doc._id.length === 0) throw bad(adapter, '_id must be a non-empty string');
  const json = JSON.stringify(doc, function check(this: unknown, key: string, value: unknown) {
    const raw = key === '' ? value : (this as Record<string, unknown>)[key];
    if (key.startsWith('$') && !Array.isArray(this)) throw bad(adapter, `field names must not start with '$' (${key})`);
    if (raw === undefined && Array.isArray(this)) throw bad(adapter, 'arrays must not contain undefined');
    if (typeof raw === 'number' && !Number.isFinite(raw)) throw bad(adapter, `field ${key} is not a finite number`);
    if (typeof raw === 'bigint') throw bad(adapter, `field ${key} is a bigint; store a number or a string`);
    if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && !isPlainObject(raw)) {
      throw bad(adapter, `field ${key} is not plain JSON (Date, Buffer and class instances are not stored; use epoch ms or strings)`);
    }
    return value;
  });
  const bytes = Buffer.byteLength(json);
  if (bytes > STORE_LIMITS.maxDocumentBytes) {
    throw new AppError('LIMIT_EXCEEDED', `[${adapter}] document ${doc._id} is ${bytes} bytes; the limit is ${STORE_LIMITS.maxDocumentBytes}`);
  }
  return json;
}

export function parseDocument<T extends Doc>(json: string): T {
  return JSON.parse(json) as T;
}

/** `_id` for upserted documents whose filter names none: 24 hex characters, like an ObjectId's text. */
export function generateId(): string {
  return randomBytes(12).toString('hex');
}

function bad(adapter: string, message: string): AppError {
  return new AppError('BAD_REQUEST', `[${adapter}] ${message}`);
}
