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
type Visit = (holder: Obj, key: string, field: SealedField, path: string) => Promise<void>;

const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

async function walk(node: unknown, parts: string[], field: SealedField, trail: string[], visit: Visit): Promise<void> {
  if (Array.isArray(node)) {
    if (parts[0] === '*') for (const item of node) await walk(item, parts.slice(1), field, trail, visit);
    return;
  }
  if (!isObj(node)) return;
  for (let take = parts.length; take >= 1; take--) {
    const key = parts.slice(0, take).join('.');
    if (!(key in node)) continue;
    const rest = parts.slice(take);
    if (rest.length === 0) await visit(node, key, field, [...trail, key].join('.').replaceAll('.*', ''));
    else await walk(node[key], rest[0] === '*' ? rest : rest, field, [...trail, key], visit);
    return;
  }
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

const isEmpty = (value: unknown) => value === null || value === undefined || value === '' || (isObj(value) && Object.keys(value).length === 0) || (Array.isArray(value) && value.length === 0);

/** `pathOf` maps the walked path to the field name bound into the ciphertext (its full path in the document). */
export async function sealValues(envelope: Envelope, spec: SealedCollection, target: Obj, base: { appId: string; collection: string; docId: string }, owner: string | null, prefix = ''): Promise<Obj> {
  const out = copy(target);
  for (const field of spec.fields) {
    const parts = field.path.split('.');
    await walk(out, parts, field, prefix ? [prefix] : [], async (holder, key, f) => {
      const value = holder[key];
      if (isEmpty(value) || isCiphertext(value)) return;
      const plain = f.kind === 'json' ? JSON.stringify(value) : String(value);
      holder[key] = await envelope.encrypt(refOf(base, f), plain, owner === null ? {} : { userId: owner });
    });
  }
  return out;
}

export interface Opened {
  doc: Obj;
  erased: boolean;
}

/** Decrypts every sealed value; a destroyed (shredded) key yields the erased shape: null text, {} custom, `erased: true` beside it. */
export async function openValues(envelope: Envelope, spec: SealedCollection, doc: Obj, base: { appId: string; collection: string; docId: string }): Promise<Obj> {
  const out = copy(doc);
  for (const field of spec.fields) {
    await walk(out, field.path.split('.'), field, [], async (holder, key, f) => {
      const value = holder[key];
      if (!isCiphertext(value)) return;
      try {
        const plain = await envelope.decrypt(refOf(base, f), value);
        holder[key] = f.kind === 'json' ? JSON.parse(plain) : plain;
      } catch (error) {
        if (!isAppError(error) || error.code !== 'KEY_DESTROYED') throw error;
        holder[key] = f.kind === 'json' ? {} : null;
        holder.erased = true;
      }
    });
  }
  return out;
}

/** The field bound into the ciphertext: the sealed path without array steps (`edits.text`). */
function refOf(base: { appId: string; collection: string; docId: string }, field: SealedField): FieldRef {
  return { ...base, field: field.path.replaceAll('.*', '') };
}

export function requireDocId(collection: string, filter: Record<string, unknown>): string {
  if (typeof filter._id === 'string') return filter._id;
  throw new AppError('INTERNAL', `${collection}: encrypted fields are written only to one document named by _id`);
}
