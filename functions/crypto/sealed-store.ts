import type { Collection, Doc, Filter, FindOptions, StorePort, Update } from '../../infra/store/port.ts';
import type { Envelope } from './envelope.ts';
import { SEALED, type SealedCollection } from './sealed-fields.ts';
import { needsSealing, openValues, requireDocId, sealValues } from './sealed-values.ts';

/**
 * The store as the domain sees it: the collections of sealed-fields.ts are encrypted on write and
 * decrypted on read (envelope encryption, AAD = app, collection, document, field); every other
 * collection passes through. Callers keep the plaintext objects they wrote.
 */
const raws = new WeakMap<StorePort, StorePort>();
const envelopes = new WeakMap<StorePort, Envelope>();

export function sealedStore(raw: StorePort, envelope: Envelope): StorePort {
  // One wrapper per sealed collection, made on first use: a send asks for several, and building
  // one (a dozen closures) per call showed in the send path's profile.
  const wrappers = new Map<string, Collection<Doc>>();
  const sealed: StorePort = {
    name: raw.name,
    // Read through: an adapter learns what its engine can do when it connects (FerretDB loses
    // concurrent updates), after this wrapper was made.
    get capabilities() {
      return raw.capabilities;
    },
    collection: <T extends Doc>(name: string) => {
      const spec = SEALED[name];
      if (!spec) return raw.collection<T>(name);
      let wrapper = wrappers.get(name);
      if (!wrapper) wrappers.set(name, (wrapper = sealedCollection<Doc>(raw.collection<Doc>(name), name, spec, envelope)));
      return wrapper as Collection<T>;
    },
    ensureIndexes: (collection, specs) => raw.ensureIndexes(collection, specs),
    dropCollections: (prefix) => raw.dropCollections(prefix),
    ping: () => raw.ping(),
    close: () => raw.close(),
  };
  raws.set(sealed, raw);
  envelopes.set(sealed, envelope);
  return sealed;
}

/** The store holding ciphertext as written (the outbox relay publishes it as is); the store itself when not sealed. */
export const unsealed = (store: StorePort): StorePort => raws.get(store) ?? store;

/** The envelope of a sealed store; undefined when encryption is not wired (raw ports in tests). */
export const envelopeOf = (store: StorePort): Envelope | undefined => envelopes.get(store);

/** Decrypts a document of `collection` read elsewhere (a bus record): `docId` is its store _id. */
export async function openDocument<T extends Record<string, unknown>>(store: StorePort, collection: string, doc: T, docId: string, appId: string): Promise<T> {
  const envelope = envelopes.get(store);
  const spec = SEALED[collection];
  if (!envelope || !spec) return doc;
  return (await openValues(envelope, spec, doc, { appId, collection, docId })) as T;
}

function sealedCollection<T extends Doc>(raw: Collection<T>, collection: string, spec: SealedCollection, envelope: Envelope): Collection<T> {
  const base = (doc: Record<string, unknown>) => ({ appId: String(doc.appId ?? ''), collection, docId: String(doc._id) });
  const seal = async (doc: T) => (await sealValues(envelope, spec, doc, base(doc), spec.owner(doc) ?? null)) as T;
  const open = async (doc: T | null) => (doc ? ((await openValues(envelope, spec, doc, base(doc))) as T) : null);

  /** Encrypts the sealed fields an update writes, bound to the one document it names. */
  async function sealUpdate(filter: Filter, update: Update): Promise<Update> {
    const candidates = (['$set', '$setOnInsert', '$push'] as const).filter((op) => update[op] && Object.keys(update[op]!).some((key) => spec.fields.some((f) => touches(key, f.path))));
    const touched: typeof candidates = [];
    for (const op of candidates) {
      const values = op === '$push' ? Object.fromEntries(Object.entries(update.$push!).map(([k, v]) => [k, [v]])) : update[op]!;
      if (needsSealing(spec, values)) touched.push(op);
    }
    // Only values to encrypt bind an update to one document: emptying sealed fields (erasure,
    // retention) may name many.
    if (touched.length === 0) return update;
    const docId = requireDocId(collection, filter);
    const writes = { ...update.$setOnInsert, ...update.$set };
    let owner = spec.owner(writes);
    let appId = (filter.appId ?? writes.appId) as string | undefined;
    if (owner === undefined || appId === undefined) {
      const stored = await raw.findOne({ _id: docId });
      owner = owner === undefined ? (stored ? (spec.owner(stored) ?? null) : null) : owner;
      appId ??= stored?.appId as string | undefined;
    }
    const ctx = { appId: appId ?? '', collection, docId };
    const out: Update = { ...update };
    for (const op of touched) {
      if (op === '$push') {
        const wrapped = Object.fromEntries(Object.entries(update.$push!).map(([k, v]) => [k, [v]]));
        const sealed = await sealValues(envelope, spec, wrapped, ctx, owner);
        out.$push = Object.fromEntries(Object.entries(sealed).map(([k, v]) => [k, (v as unknown[])[0]]));
      } else {
        out[op] = await sealValues(envelope, spec, update[op]!, ctx, owner);
      }
    }
    return out;
  }

  return {
    insertOne: async (doc) => {
      await raw.insertOne(await seal(doc));
      return doc;
    },
    insertMany: async (docs) => raw.insertMany(await Promise.all(docs.map(seal))),
    findOne: async (filter, options) => open(await raw.findOne(filter, withAppId(options))),
    find: async (filter, options) => Promise.all((await raw.find(filter, withAppId(options))).map(async (doc) => (await open(doc))!)),
    countDocuments: (filter) => raw.countDocuments(filter),
    updateOne: async (filter, update, options) => raw.updateOne(filter, await sealUpdate(filter, update), options),
    updateMany: async (filter, update) => raw.updateMany(filter, await sealUpdate(filter, update)),
    findOneAndUpdate: async (filter, update, options) => open(await raw.findOneAndUpdate(filter, await sealUpdate(filter, update), options)),
    replaceOne: async (filter, replacement, options) => raw.replaceOne(filter, await seal(replacement), options),
    deleteOne: (filter) => raw.deleteOne(filter),
    deleteMany: (filter) => raw.deleteMany(filter),
  };
}

/** Whether writing `key` (maybe dotted) writes the sealed path or a part of it. */
function touches(key: string, path: string): boolean {
  const flat = path.replaceAll('.*', '');
  return flat === key || flat.startsWith(`${key}.`);
}

/** An inclusion projection also reads `appId`: decryption needs it (it is bound into every ciphertext). */
function withAppId<O extends FindOptions | Omit<FindOptions, 'limit'>>(options: O | undefined): O | undefined {
  const projection = options?.projection;
  if (!projection || !Object.values(projection).includes(1)) return options;
  return { ...options, projection: { ...projection, appId: 1 } } as O;
}
