import { AppError, isAppError } from '../../runtime/errors.ts';
import { isCiphertext, keyIdOf, type FieldRef } from './ciphertext.ts';
import type { Envelope } from './envelope.ts';
import { copyOf, lazyProperty } from './lazy-fields.ts';
import { sealOnce } from './seal-once.ts';
import type { SealedCollection, SealedField } from './sealed-fields.ts';

/**
 * Walks a document (or an update's `$set`/`$push` object) along the sealed paths and encrypts or
 * decrypts the values found there. Keys may be dotted (`lastMessage.text` in a `$set`), so each
 * step tries the longest dotted key first. Only the copies it returns are changed. The data keys
 * are fetched first (one await per document); the walk itself is synchronous.
 *
 * Reads decrypt **lazily**: a sealed field of a document read becomes a property that decrypts on
 * first access (once; then it is a plain value), so a read whose caller never looks at a field —
 * the access checks of a send reading a conversation or a profile — pays nothing for it. An altered
 * ciphertext fails (DECRYPTION_FAILED, naming the document) when the field is read; a destroyed key
 * (crypto-shredding) gives the erased shape at once.
 */
type Obj = Record<string, unknown>;
/** The new value of a sealed field, or a `lazy` one computed on first access; `erased` marks the object holding it. */
type Visit = (value: unknown, field: SealedField, holder: Obj) => { value?: unknown; lazy?: () => unknown; erased?: boolean };

const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Rewrites the values at `parts`, copying only the objects and arrays on the way (the caller's stay
 * as they are); `owned` holds the copies made in this pass, changed in place by its later paths.
 */
function rewrite(node: unknown, parts: string[], field: SealedField, visit: Visit, owned: Set<unknown>): unknown {
  if (Array.isArray(node)) {
    if (parts[0] !== '*') return node;
    const out = owned.has(node) ? node : [...node];
    owned.add(out);
    for (let i = 0; i < out.length; i++) out[i] = rewrite(out[i], parts.slice(1), field, visit, owned);
    return out;
  }
  if (!isObj(node)) return node;
  for (let take = parts.length; take >= 1; take--) {
    const key = take === 1 ? parts[0]! : parts.slice(0, take).join('.');
    if (!(key in node)) continue;
    const rest = parts.slice(take);
    const out = owned.has(node) ? node : copyOf(node);
    owned.add(out);
    if (rest.length > 0) {
      out[key] = rewrite(node[key], rest, field, visit, owned);
    } else {
      const next = visit(node[key], field, out);
      if (next.lazy) lazyProperty(out, key, next.lazy);
      else out[key] = next.value;
      if (next.erased) out.erased = true;
    }
    return out;
  }
  return node;
}

function rewriteAll(spec: SealedCollection, doc: Obj, visit: Visit): Obj {
  let out = doc;
  const owned = new Set<unknown>();
  for (const field of spec.fields) out = rewrite(out, field.parts, field, visit, owned) as Obj;
  return out;
}

/** The values at `parts` (the same lookup as `rewrite`), without copying anything. */
function collect(node: unknown, parts: string[], found: unknown[]): void {
  if (Array.isArray(node)) {
    if (parts[0] === '*') for (const item of node) collect(item, parts.slice(1), found);
    return;
  }
  if (!isObj(node)) return;
  for (let take = parts.length; take >= 1; take--) {
    const key = take === 1 ? parts[0]! : parts.slice(0, take).join('.');
    if (!(key in node)) continue;
    if (take === parts.length) found.push(node[key]);
    else collect(node[key], parts.slice(take), found);
    return;
  }
}

/** Every value at the sealed paths. */
function valuesAt(spec: SealedCollection, doc: Obj): unknown[] {
  const found: unknown[] = [];
  for (const field of spec.fields) collect(doc, field.parts, found);
  return found;
}

const isEmpty = (value: unknown) => value === null || value === undefined || value === '' || (isObj(value) && Object.keys(value).length === 0) || (Array.isArray(value) && value.length === 0);

type Base = { appId: string; collection: string; docId: string };

/** Whether `target` holds any value `sealValues` would encrypt (an update that only empties sealed fields needs no key). */
export function needsSealing(spec: SealedCollection, target: Obj): boolean {
  return valuesAt(spec, target).some((value) => !isEmpty(value) && !isCiphertext(value));
}

/** Encrypts every sealed value under the owner's data key (null: the app's); what needs none is returned as it is. */
export async function sealValues(envelope: Envelope, spec: SealedCollection, target: Obj, base: Base, owner: string | null): Promise<Obj> {
  if (!needsSealing(spec, target)) return target;
  const dataKey = await envelope.currentDataKey(base.appId, owner === null ? {} : { userId: owner });
  return rewriteAll(spec, target, (value, field, holder) => {
    if (isEmpty(value) || isCiphertext(value)) return { value };
    const plain = field.kind === 'json' ? JSON.stringify(value) : String(value);
    return { value: sealOnce(envelope, boundRef(base, field, holder) ?? refOf(base, field), plain, dataKey) };
  });
}

/**
 * Opens every sealed value, lazily (see above); a destroyed (shredded) key yields the erased shape:
 * null text, {} custom, `erased: true` beside it. A ciphertext naming a key this app never had fails here.
 */
export async function openValues(envelope: Envelope, spec: SealedCollection, doc: Obj, base: Base): Promise<Obj> {
  const ids = new Set<string>();
  for (const value of valuesAt(spec, doc)) if (isCiphertext(value)) ids.add(keyIdOf(value) ?? '');
  if (ids.size === 0) return doc;
  const keys = new Map<string, Uint8Array | 'destroyed'>();
  await Promise.all(
    [...ids].map(async (id) => {
      try {
        if (id === '') throw new AppError('DECRYPTION_FAILED', `cannot decrypt ${base.collection}/${base.docId} of app ${base.appId}: a field is not a ciphertext this platform wrote`);
        keys.set(id, await envelope.dataKey({ ...base, field: '' }, id));
      } catch (error) {
        if (!isAppError(error) || error.code !== 'KEY_DESTROYED') throw error;
        keys.set(id, 'destroyed');
      }
    }),
  );
  return rewriteAll(spec, doc, (value, field, holder) => {
    if (!isCiphertext(value)) return { value };
    const key = keys.get(keyIdOf(value)!)!;
    if (key === 'destroyed') return { value: field.kind === 'json' ? {} : null, erased: true };
    const bound = boundRef(base, field, holder);
    return {
      lazy: () => {
        const plain = openBound(envelope, value, key, bound, refOf(base, field));
        return field.kind === 'json' ? JSON.parse(plain) : plain;
      },
    };
  });
}

/** A bound copy opens under its binding; one written before bindings existed, under its own place. */
function openBound(envelope: Envelope, value: string, key: Uint8Array, bound: FieldRef | null, own: FieldRef): string {
  if (!bound) return envelope.decryptWithKey(own, value, key);
  try {
    return envelope.decryptWithKey(bound, value, key);
  } catch (error) {
    try {
      return envelope.decryptWithKey(own, value, key);
    } catch {
      throw error;
    }
  }
}

function boundRef(base: Base, field: SealedField, holder: Obj): FieldRef | null {
  const bound = field.boundTo?.(holder);
  return bound ? { appId: base.appId, ...bound } : null;
}

/** The field bound into the ciphertext: the sealed path without array steps (`edits.text`). */
function refOf(base: Base, field: SealedField): FieldRef {
  return { ...base, field: field.path.replaceAll('.*', '') };
}

export function requireDocId(collection: string, filter: Record<string, unknown>): string {
  if (typeof filter._id === 'string') return filter._id;
  throw new AppError('INTERNAL', `${collection}: encrypted fields are written only to one document named by _id`);
}
