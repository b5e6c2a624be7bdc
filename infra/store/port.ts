/**
 * Store port: a document store with MongoDB's document model, so repositories are written once.
 *
 * Documents are plain JSON: string `_id`s chosen by the caller, numbers (epoch ms for times),
 * strings, booleans, null, arrays and objects. No Date, ObjectId or Buffer values, on either adapter.
 *
 * Filters and updates are the MongoDB subset below, with MongoDB semantics; both adapters pass
 * the same contract suite (tests/contract/store.contract.ts).
 *
 * @example
 *   const users = store.collection<UserDoc>('users');
 *   await users.insertOne({ _id: 'u1', appId: 'a1', name: 'Ada' });
 *   const seq = await counters.findOneAndUpdate({ _id: 'c1' }, { $inc: { seq: 1 } }, { upsert: true });
 */
export type Doc = { _id: string } & Record<string, unknown>;

/**
 * MongoDB query filter: equality, dotted paths, $eq $ne $gt $gte $lt $lte $in $nin $exists $and $or $nor $not $elemMatch $size $all $regex.
 * Anything else ($where, $expr, $text, …) and `undefined` values are refused with BAD_REQUEST (infra/store/guard.ts).
 */
export type Filter = Record<string, unknown>;

/**
 * MongoDB update document: $set $unset $inc $push (with $each, $slice) $pull $addToSet (with $each) $setOnInsert $min $max.
 * Other operators, positional paths (`a.$`) and MongoDB's type errors ($inc on a string) are BAD_REQUEST.
 */
export type Update = Record<string, Record<string, unknown>>;

export type SortSpec = Record<string, 1 | -1>;

export interface FindOptions {
  sort?: SortSpec;
  limit?: number;
  skip?: number;
  /** Inclusion (1) or exclusion (0) projection; `_id` is always returned unless excluded. */
  projection?: Record<string, 0 | 1>;
}

export interface UpdateOptions {
  upsert?: boolean;
}

export interface FindOneAndUpdateOptions extends UpdateOptions {
  /** Which version to return; default 'after'. */
  returnDocument?: 'before' | 'after';
  sort?: SortSpec;
}

export interface UpdateResult {
  matchedCount: number;
  modifiedCount: number;
  upsertedId: string | null;
}

export interface IndexSpec {
  /** Stable name; defaults to MongoDB's `field_1_other_-1` form. Keys are dotted identifier paths. */
  name?: string;
  keys: Record<string, 1 | -1>;
  unique?: boolean;
  /** Only documents matching this filter are indexed (and checked for uniqueness). Equality and $exists only. */
  partialFilterExpression?: Filter;
}

/** The indexes one collection needs; domains declare them and every serving process creates them at startup. */
export interface IndexDeclaration {
  collection: string;
  specs: IndexSpec[];
}

export interface Collection<T extends Doc = Doc> {
  /** Throws AppError CONFLICT when a unique index (or `_id`) is violated; nothing is written. */
  insertOne(doc: T): Promise<T>;
  /** All or nothing: a CONFLICT on any document writes none of them. An empty array is a no-op. */
  insertMany(docs: T[]): Promise<void>;
  findOne(filter: Filter, options?: Omit<FindOptions, 'limit'>): Promise<T | null>;
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  countDocuments(filter: Filter): Promise<number>;
  /** An upsert inserts the filter's equality fields plus the update; without an `_id` there it gets a generated string one. */
  updateOne(filter: Filter, update: Update, options?: UpdateOptions): Promise<UpdateResult>;
  updateMany(filter: Filter, update: Update): Promise<UpdateResult>;
  /** Atomic: concurrent callers each see a distinct before/after state (counters, claims, CAS). */
  findOneAndUpdate(filter: Filter, update: Update, options?: FindOneAndUpdateOptions): Promise<T | null>;
  /** Replaces the whole document (keeping `_id`); with upsert, inserts it when absent. */
  replaceOne(filter: Filter, replacement: T, options?: UpdateOptions): Promise<UpdateResult>;
  deleteOne(filter: Filter): Promise<number>;
  deleteMany(filter: Filter): Promise<number>;
}

/** What the store's server can do; exact once the adapter has reached it (after ping() or ensureIndexes). */
export interface StoreCapabilities {
  /** Multi-document transactions (MongoDB replica set yes; FerretDB no; embedded yes). */
  transactions: boolean;
  /**
   * The optional flags below name gaps of servers that speak MongoDB's protocol without being
   * MongoDB (FerretDB v1); absent means supported. The contract suite checks them, so a gap shows
   * as a named skip on that server, never as a silent pass. See infra/engines/README.md.
   *
   * The server itself applies concurrent updates of one document one at a time. FerretDB v1 does
   * not: it reads a document and writes the whole result back without a lock. On PostgreSQL with
   * infra/engines/lib/ferretdb-update-guard.sql a write computed from a stale read is refused and
   * the adapter asks again (mongodb-revisions.ts), so no update is lost there either; but each
   * writer that lost the race costs a retry, so hot counters (the sequence allocator) use the
   * cache's atomic counter on such a store.
   */
  atomicUpdates?: boolean;
  /**
   * No concurrent update of one document is lost, natively or by the guard above. False on FerretDB
   * v1 without that guard (on SQLite, or on a PostgreSQL that was not given the file): there an
   * edit made while someone reacts can be undone. The platform warns at start-up.
   */
  concurrentUpdatesKept?: boolean;
  /**
   * partialFilterExpression, and MongoDB's rule that a missing key counts as null in a unique
   * index. FerretDB v1 has neither: its unique indexes skip documents missing a key, and partial
   * indexes are built without their filter (stricter: more writes are refused, none wrongly let in).
   */
  partialIndexes?: boolean;
  /** $elemMatch with field conditions, $push with $slice, $pull by condition (FerretDB v1 lacks them). */
  completeOperators?: boolean;
  /**
   * A find with a range, a sort or a limit reads only the rows it returns, from an index. A speed
   * gap, not a behaviour gap (results are the same): FerretDB v1 hands its backend only a filter's
   * equalities, so `{ conversationId, seq: { $lt } }` sorted and limited reads the whole
   * conversation. Paging by sequence walks windows asked by equality there instead
   * (functions/events/seq-windows.ts).
   */
  rangeScans?: boolean;
}

export interface StorePort {
  /** Adapter name for logs and readiness: 'local' | 'mongodb'. */
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  /** Throws AppError BAD_REQUEST at once for a name outside [A-Za-z0-9_.-] (max 120, not `system.`). */
  collection<T extends Doc = Doc>(name: string): Collection<T>;
  /** Idempotent; creating an index that exists with the same spec is a no-op. */
  ensureIndexes(collection: string, specs: IndexSpec[]): Promise<void>;
  /** Removes every collection whose name starts with `prefix` (tests and tenant teardown). */
  dropCollections(prefix: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Embedded adapter only: leaves no bytes of deleted or overwritten documents in its files (empties
   * the WAL; freed pages are already zeroed). Erasure and retention call it when present.
   */
  purgeErased?(): Promise<void>;
}

/** Limits both adapters enforce identically. */
export const STORE_LIMITS = {
  /** MongoDB's BSON document limit; JSON size is used as the measure on both adapters. */
  maxDocumentBytes: 16 * 1024 * 1024,
  maxCollectionNameLength: 120,
} as const;
