import { AppError, isAppError } from '../../runtime/errors.ts';
import { isCiphertext, type FieldRef } from './ciphertext.ts';
import type { Envelope } from './envelope.ts';
import type { SealedCollection, SealedField } from './sealed-fields.ts';

/**
 * Walks a document (or an update's `$set`/`$push` object) along the sealed paths and encrypts or
 * decrypts the values found there. Keys may be dotted (`lastMessage.text` in a `$set`), so each
 * step tries the longest dotted key first. Only the copies it returns are changed.
 */
type Obj = Record<string, unknown>;
/** The new value of a sealed field; `erased` marks the object holding it. */
type Visit = (value: unknown, field: SealedField) => Promise<{ value: unknown; erased?: boolean }>;

const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Rewrites the values at `parts`, copying only the objects and arrays on the way (the caller's stay as they are). */
async function rewrite(node: unknown, parts: string[], field: SealedField, visit: Visit): Promise<unknown> {
  if (Array.isArray(node)) return parts[0] === '*' ? Promise.all(node.map((item) => rewrite(item, parts.slice(1), field, visit))) : node;
  if (!isObj(node)) return node;
  for (let take = parts.length; take >= 1; take--) {
    const key = parts.slice(0, take).join('.');
    if (!(key in node)) continue;
    const rest = parts.slice(take);
    const out: Obj = { ...node };
    if (rest.length > 0) {
      out[key] = await rewrite(node[key], rest, field, visit);
    } else {
      const next = await visit(node[key], field);
      out[key] = next.value;
      if (next.erased) out.erased = true;
    }
    return out;
  }
  return node;
}

async function rewriteAll(spec: SealedCollection, doc: Obj, visit: Visit): Promise<Obj> {
  let out = doc;
  for (const field of spec.fields) out = (await rewrite(out, field.path.split('.'), field, visit)) as Obj;
  return out;
}

const isEmpty = (value: unknown) => value === null || value === undefined || value === '' || (isObj(value) && Object.keys(value).length === 0) || (Array.isArray(value) && value.length === 0);

type Base = { appId: string; collection: string; docId: string };

/** Whether `target` holds any value `sealValues` would encrypt (an update that only empties sealed fields needs no key). */
export async function needsSealing(spec: SealedCollection, target: Obj): Promise<boolean> {
  let found = false;
  await rewriteAll(spec, target, async (value) => {
    if (!isEmpty(value) && !isCiphertext(value)) found = true;
    return { value };
  });
  return found;
}

/** Encrypts every sealed value under the owner's data key (null: the app's). */
export function sealValues(envelope: Envelope, spec: SealedCollection, target: Obj, base: Base, owner: string | null): Promise<Obj> {
  return rewriteAll(spec, target, async (value, field) => {
    if (isEmpty(value) || isCiphertext(value)) return { value };
    const plain = field.kind === 'json' ? JSON.stringify(value) : String(value);
    return { value: await envelope.encrypt(refOf(base, field), plain, owner === null ? {} : { userId: owner }) };
  });
}

/** Decrypts every sealed value; a destroyed (shredded) key yields the erased shape: null text, {} custom, `erased: true` beside it. */
export function openValues(envelope: Envelope, spec: SealedCollection, doc: Obj, base: Base): Promise<Obj> {
  return rewriteAll(spec, doc, async (value, field) => {
    if (!isCiphertext(value)) return { value };
    try {
      const plain = await envelope.decrypt(refOf(base, field), value);
      return { value: field.kind === 'json' ? JSON.parse(plain) : plain };
    } catch (error) {
      if (!isAppError(error) || error.code !== 'KEY_DESTROYED') throw error;
      return { value: field.kind === 'json' ? {} : null, erased: true };
    }
  });
}

/** The field bound into the ciphertext: the sealed path without array steps (`edits.text`). */
function refOf(base: Base, field: SealedField): FieldRef {
  return { ...base, field: field.path.replaceAll('.*', '') };
}

export function requireDocId(collection: string, filter: Record<string, unknown>): string {
  if (typeof filter._id === 'string') return filter._id;
  throw new AppError('INTERNAL', `${collection}: encrypted fields are written only to one document named by _id`);
}
