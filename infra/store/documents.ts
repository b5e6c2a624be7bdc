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
  checkStorable(doc, adapter);
  const json = JSON.stringify(doc);
  // A UTF-16 code unit takes at most 3 bytes in UTF-8: only a long text can be over the limit.
  if (json.length * 3 > STORE_LIMITS.maxDocumentBytes) {
    const bytes = Buffer.byteLength(json);
    if (bytes > STORE_LIMITS.maxDocumentBytes) {
      throw new AppError('LIMIT_EXCEEDED', `[${adapter}] document ${doc._id} is ${bytes} bytes; the limit is ${STORE_LIMITS.maxDocumentBytes}`);
    }
  }
  return json;
}

/**
 * Refuses what JSON would not round-trip, walking the document once before a plain (fast)
 * JSON.stringify: field names starting with '$', undefined in arrays, non-finite numbers, bigints,
 * and objects that are not plain (Date, Buffer, class instances).
 */
function checkStorable(value: unknown, adapter: string): void {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const element: unknown = value[index]; // holes read as undefined, as JSON.stringify sees them
      if (element === undefined) throw bad(adapter, 'arrays must not contain undefined');
      checkField(index, element, adapter);
    }
    return;
  }
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (key.startsWith('$')) throw bad(adapter, `field names must not start with '$' (${key})`);
    checkField(key, fields[key], adapter);
  }
}

function checkField(key: string | number, value: unknown, adapter: string): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw bad(adapter, `field ${key} is not a finite number`);
  } else if (typeof value === 'bigint') {
    throw bad(adapter, `field ${key} is a bigint; store a number or a string`);
  } else if (value !== null && typeof value === 'object') {
    if (!Array.isArray(value) && !isPlainObject(value)) {
      throw bad(adapter, `field ${key} is not plain JSON (Date, Buffer and class instances are not stored; use epoch ms or strings)`);
    }
    checkStorable(value, adapter);
  }
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
