import type { AnyBulkWriteOperation, BulkWriteResult, ClientSession, Collection as DriverCollection } from 'mongodb';
import { MongoBulkWriteError } from 'mongodb';
import { AppError, isAppError } from '../../runtime/errors.ts';
import { generateId, serializeDocument } from './documents.ts';
import type { StoreGuard } from './guard.ts';
import { upsertSeed } from './local-update.ts';
import { splitIn } from './mongodb-in-split.ts';
import { isIdempotent, retryUpdateConflicts, withoutRevision, withoutRevisionField } from './mongodb-revisions.ts';
import type {
  Collection, Doc, Filter, FindOneAndUpdateOptions, FindOptions, Update, UpdateOptions, UpdateResult,
} from './port.ts';
import { STORE_LIMITS } from './port.ts';

/**
 * One collection on MongoDB. Filters, updates and options are checked by the shared StoreGuard
 * (the embedded store refuses the same things) and then passed to MongoDB as they are: the port
 * speaks MongoDB's document model, so MongoDB's own semantics are the reference.
 *
 * Two places need more than one driver call:
 * - insertMany and updateMany are all-or-nothing by the port's contract. On a replica set they run
 *   in a transaction. Without transactions (FerretDB, a standalone mongod), insertMany removes what
 *   it inserted before the conflict; updateMany cannot undo and is atomic per document only, which
 *   `capabilities.transactions: false` says.
 * - an upsert whose filter fixes no `_id` gets a generated string one ($setOnInsert), because the
 *   port's documents have string ids and MongoDB would invent an ObjectId.
 * - on FerretDB, a find, updateMany or deleteMany whose filter has one `$in` is asked as one
 *   equality per value (mongodb-in-split.ts): there a `$in` reads the whole collection. The writes
 *   go as up to PARALLEL_BULK_WRITES bulk writes side by side.
 * - on FerretDB, an update its PostgreSQL refused because another changed the document first is
 *   asked again, and reads leave out the revision that guard keeps (mongodb-revisions.ts).
 */
export interface CollectionRuntime {
  readonly adapter: string;
  readonly validate: StoreGuard;
  hasTransactions(): boolean;
  /** Whether a `$in` is better asked as one equality per value (FerretDB v1: see mongodb-in-split.ts). */
  splitsIn(): boolean;
  /** Whether documents may carry the update guard's revision (FerretDB v1: see mongodb-revisions.ts). */
  revisioned(): boolean;
  driver(name: string): DriverCollection<Doc>;
  read<T>(operation: string, collection: string, work: (signal: AbortSignal) => Promise<T>): Promise<T>;
  write<T>(operation: string, collection: string, work: () => Promise<T>): Promise<T>;
  /** One document's insert, sent with other concurrent inserts into the collection (mongodb-insert-batcher.ts). */
  insert(collection: string, doc: Doc): Promise<void>;
  /** Runs work in a transaction when the server has them, else directly (session undefined). */
  atomically<T>(operation: string, collection: string, work: (session: ClientSession | undefined) => Promise<T>): Promise<T>;
}

export class MongoCollection<T extends Doc> implements Collection<T> {
  private readonly driver: DriverCollection<Doc>;

  constructor(private readonly runtime: CollectionRuntime, private readonly name: string) {
    this.driver = runtime.driver(name);
  }

  async insertOne(doc: T): Promise<T> {
    serializeDocument(doc, this.runtime.adapter);
    // The driver adds nothing to a document that has its _id; a copy keeps the caller's object untouched anyway.
    await this.runtime.insert(this.name, { ...doc });
    return doc;
  }

  async insertMany(docs: T[]): Promise<void> {
    if (!Array.isArray(docs)) throw this.runtime.validate.bad('insertMany needs an array');
    for (const doc of docs) serializeDocument(doc, this.runtime.adapter);
    if (docs.length === 0) return;
    const copies = docs.map((doc) => ({ ...doc }));
    if (this.runtime.hasTransactions()) {
      await this.runtime.atomically('insertMany', this.name, (session) => this.driver.insertMany(copies, { ordered: true, ...(session ? { session } : {}) }));
      return;
    }
    await this.runtime.write('insertMany', this.name, async () => {
      try {
        await this.driver.insertMany(copies, { ordered: true });
      } catch (error) {
        await this.removeInsertedBefore(error, copies);
        throw error;
      }
    });
  }

  async findOne(filter: Filter, options: Omit<FindOptions, 'limit'> = {}): Promise<T | null> {
    this.runtime.validate.filter(filter);
    this.runtime.validate.findOptions(options);
    return this.runtime.read('findOne', this.name, (signal) => this.driver.findOne<T>(filter, { ...this.reading(options), signal }));
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    this.runtime.validate.filter(filter);
    this.runtime.validate.findOptions(options);
    // Unsorted and from the first document only: the parts' union is then the answer, in any order.
    const parts = options.sort === undefined && !options.skip && options.projection?._id !== 0 ? this.split(filter) : null;
    const asked = this.reading(options);
    if (parts) return this.runtime.read('find', this.name, (signal) => this.findEach(parts, asked, signal));
    return this.runtime.read('find', this.name, (signal) => this.driver.find<T>(filter, { ...asked, signal }).toArray());
  }

  async countDocuments(filter: Filter): Promise<number> {
    this.runtime.validate.filter(filter);
    return this.runtime.read('countDocuments', this.name, () => this.driver.countDocuments(filter));
  }

  async updateOne(filter: Filter, update: Update, options: UpdateOptions = {}): Promise<UpdateResult> {
    this.checkUpdate(filter, update);
    const upsert = options.upsert === true;
    const result = await this.writeUpsertable('updateOne', upsert, () =>
      retryUpdateConflicts(() => this.driver.updateOne(filter, upsert ? withStringId(filter, update) : update, { upsert })),
    );
    return { matchedCount: result.matchedCount, modifiedCount: result.modifiedCount, upsertedId: idOf(result.upsertedId) };
  }

  async updateMany(filter: Filter, update: Update): Promise<UpdateResult> {
    this.checkUpdate(filter, update);
    const parts = this.splitWrite(filter);
    if (parts) {
      // Without transactions updateMany is atomic per document anyway.
      const results = await this.bulkInParallel('updateMany', parts.map((part) => ({ updateMany: { filter: part, update } })), isIdempotent(update));
      return { matchedCount: sum(results, 'matchedCount'), modifiedCount: sum(results, 'modifiedCount'), upsertedId: null };
    }
    const write = () => this.driver.updateMany(filter, update);
    const result = await this.runtime.atomically('updateMany', this.name, (session) =>
      session ? this.driver.updateMany(filter, update, { session }) : isIdempotent(update) ? retryUpdateConflicts(write) : write(),
    );
    return { matchedCount: result.matchedCount, modifiedCount: result.modifiedCount, upsertedId: null };
  }

  async findOneAndUpdate(filter: Filter, update: Update, options: FindOneAndUpdateOptions = {}): Promise<T | null> {
    this.checkUpdate(filter, update);
    if (options.sort !== undefined) this.runtime.validate.sort(options.sort);
    const upsert = options.upsert === true;
    const found = await this.writeUpsertable('findOneAndUpdate', upsert, () =>
      retryUpdateConflicts(
        () =>
          this.driver.findOneAndUpdate(filter, upsert ? withStringId(filter, update) : update, {
            upsert,
            returnDocument: options.returnDocument ?? 'after',
            includeResultMetadata: false,
            ...(options.sort ? { sort: options.sort } : {}),
          }) as Promise<T | null>,
      ),
    );
    // FerretDB's findAndModify takes no projection.
    return found && this.runtime.revisioned() ? withoutRevisionField(found) : found;
  }

  async replaceOne(filter: Filter, replacement: T, options: UpdateOptions = {}): Promise<UpdateResult> {
    this.runtime.validate.filter(filter);
    this.runtime.validate.replacement(replacement);
    serializeDocument(replacement, this.runtime.adapter);
    const result = await this.writeUpsertable('replaceOne', options.upsert === true, () =>
      this.driver.replaceOne(filter, { ...replacement }, { upsert: options.upsert === true }),
    );
    return { matchedCount: result.matchedCount, modifiedCount: result.modifiedCount, upsertedId: idOf(result.upsertedId) };
  }

  async deleteOne(filter: Filter): Promise<number> {
    this.runtime.validate.filter(filter);
    return (await this.runtime.write('deleteOne', this.name, () => this.driver.deleteOne(filter))).deletedCount;
  }

  async deleteMany(filter: Filter): Promise<number> {
    this.runtime.validate.filter(filter);
    const parts = this.splitWrite(filter);
    if (parts) return sum(await this.bulkInParallel('deleteMany', parts.map((part) => ({ deleteMany: { filter: part } }))), 'deletedCount');
    return (await this.runtime.write('deleteMany', this.name, () => this.driver.deleteMany(filter))).deletedCount;
  }

  private split(filter: Filter): Filter[] | null {
    return this.runtime.splitsIn() ? splitIn(filter) : null;
  }

  private splitWrite(filter: Filter): Filter[] | null {
    return this.runtime.splitsIn() ? splitIn(filter, Number.POSITIVE_INFINITY) : null;
  }

  /**
   * FerretDB runs a bulk write's operations one after another: the operations go as up to
   * PARALLEL_BULK_WRITES bulk writes side by side, each on a connection of its own.
   */
  private bulkInParallel(operation: string, models: AnyBulkWriteOperation<Doc>[], askAgainOnConflict = false): Promise<BulkWriteResult[]> {
    const size = Math.ceil(models.length / PARALLEL_BULK_WRITES);
    const chunks = Array.from({ length: Math.ceil(models.length / size) }, (_, i) => models.slice(i * size, (i + 1) * size));
    const write = (chunk: AnyBulkWriteOperation<Doc>[]) => this.driver.bulkWrite(chunk, { ordered: false });
    return this.runtime.write(operation, this.name, () =>
      Promise.all(chunks.map((chunk) => (askAgainOnConflict ? retryUpdateConflicts(() => write(chunk)) : write(chunk)))),
    );
  }

  /** Read options as sent: on FerretDB without the update guard's revision. */
  private reading<O extends FindOptions>(options: O): O {
    return this.runtime.revisioned() ? { ...options, projection: withoutRevision(options.projection) } : options;
  }

  /** The parts asked in parallel; a document two parts found (an array field) is kept once. */
  private async findEach(parts: Filter[], options: FindOptions, signal: AbortSignal): Promise<T[]> {
    const answers = await Promise.all(parts.map((part) => this.driver.find<T>(part, { ...options, signal }).toArray()));
    const byId = new Map<unknown, T>();
    for (const doc of answers.flat()) if (!byId.has(doc._id)) byId.set(doc._id, doc);
    const found = [...byId.values()];
    return options.limit ? found.slice(0, options.limit) : found;
  }

  /**
   * Two upserts of the same new document race: both find nothing, both insert, and the loser gets a
   * duplicate key although the document it wanted to update now exists. Running it once more
   * updates that document. MongoDB (4.2+) does this itself when the filter is an equality on the
   * unique key; FerretDB does not. A second CONFLICT is a real one (another document holds the key).
   */
  private async writeUpsertable<R>(operation: string, upsert: boolean, work: () => Promise<R>): Promise<R> {
    try {
      return await this.runtime.write(operation, this.name, work);
    } catch (error) {
      if (!upsert || !isAppError(error) || error.code !== 'CONFLICT') throw error;
      return this.runtime.write(operation, this.name, work);
    }
  }

  private checkUpdate(filter: Filter, update: Update): void {
    this.runtime.validate.filter(filter);
    this.runtime.validate.update(update);
    // Values alone over the limit can never make a valid document; refuse before sending 16 MiB.
    const bytes = Buffer.byteLength(JSON.stringify(update));
    if (bytes > STORE_LIMITS.maxDocumentBytes) {
      throw new AppError('LIMIT_EXCEEDED', `[${this.runtime.adapter}] update of ${bytes} bytes exceeds the ${STORE_LIMITS.maxDocumentBytes}-byte document limit`);
    }
  }

  /** An ordered insertMany stops at the first error: the documents before it were inserted by us. */
  private async removeInsertedBefore(error: unknown, docs: Doc[]): Promise<void> {
    if (!(error instanceof MongoBulkWriteError)) return;
    const failures = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    const firstFailed = Math.min(...failures.map((failure) => failure.index));
    const inserted = docs.slice(0, Number.isFinite(firstFailed) ? firstFailed : 0).map((doc) => doc._id);
    if (inserted.length > 0) await this.driver.deleteMany({ _id: { $in: inserted } });
  }
}

/** The upsert's new document gets a string `_id` unless the filter or the update chooses one. */
function withStringId(filter: Filter, update: Update): Update {
  if (upsertSeed(filter)._id !== undefined) return update;
  if (update.$set && '_id' in update.$set) return update;
  if (update.$setOnInsert && '_id' in update.$setOnInsert) return update;
  return { ...update, $setOnInsert: { ...update.$setOnInsert, _id: generateId() } };
}

function idOf(id: unknown): string | null {
  return id === null || id === undefined ? null : String(id);
}

/** How many bulk writes a split updateMany or deleteMany sends side by side (FerretDB). */
const PARALLEL_BULK_WRITES = 8;

function sum(results: BulkWriteResult[], field: 'matchedCount' | 'modifiedCount' | 'deletedCount'): number {
  return results.reduce((total, result) => total + result[field], 0);
}
