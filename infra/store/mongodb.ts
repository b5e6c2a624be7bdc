import { MongoBulkWriteError, MongoClient, MongoServerError, type ClientSession, type Db } from 'mongodb';
import { AppError, isAppError } from '../../runtime/errors.ts';
import { enginePolicy, type EngineGuard } from '../resilience.ts';
import { StoreGuard } from './guard.ts';
import { MongoCollection, type CollectionRuntime } from './mongodb-collection.ts';
import { hasUpdateGuard } from './mongodb-revisions.ts';
import { InsertBatcher } from './mongodb-insert-batcher.ts';
import { isConnectionLost, isTransientMongoError, translateMongoError, WriteOutcomeUnknown } from './mongodb-errors.ts';
import { indexesToCreate, wantedIndexes, type WantedIndex } from './mongodb-indexes.ts';
import type { Collection, Doc, IndexSpec, StoreCapabilities, StorePort } from './port.ts';

/**
 * The store on MongoDB (or a server speaking its wire protocol: FerretDB). Writes use write concern
 * majority and retryable writes; indexes are created by ensureIndexes at startup.
 *
 * Options (defaults in brackets): `url`, `dbName` [caas], `serverSelectionTimeoutMS` [2 000: a
 * request fails fast, and the engine policy retries, instead of hanging 30 s during an outage],
 * `timeoutMs` [10 000 per call].
 *
 * Capabilities are read from the server when it first answers (hello, buildInfo): transactions need
 * a replica set or mongos; FerretDB has none, and the gaps StoreCapabilities lists. They are exact
 * once the server has answered (after ping() or the first ensureIndexes). Until then they are guessed from the URL (a
 * `replicaSet` parameter or an SRV address means a replica set).
 *
 * @example
 *   const store = await createMongoStore({ url: 'mongodb://127.0.0.1:27017/?replicaSet=rs0' });
 *   await store.ensureIndexes('users', [{ keys: { appId: 1, email: 1 }, unique: true }]);
 */
export interface MongoStoreOptions {
  url: string;
  dbName?: string;
  serverSelectionTimeoutMS?: number;
  timeoutMs?: number;
}

export const MONGO_STORE_NAME = 'mongodb';
const ADAPTER = 'store:mongodb';

/** What the server said about itself at connect time. */
export interface MongoServerInfo {
  version: string;
  /** Set when the server is FerretDB. */
  ferretdbVersion?: string;
  replicaSet?: string;
}

export class MongoStore implements StorePort {
  readonly name = MONGO_STORE_NAME;
  private detected: StoreCapabilities;
  private readonly client: MongoClient;
  private readonly db: Db;
  private readonly guard: EngineGuard;
  private readonly validate = new StoreGuard(ADAPTER);
  private connected: Promise<MongoServerInfo> | undefined;
  /** Whether the server is FerretDB (its quirks: mongodb-in-split.ts, mongodb-revisions.ts); unknown until connected. */
  private ferretdb: boolean | undefined;
  private readonly runtime: CollectionRuntime;
  private readonly inserts = new InsertBatcher((collection, docs) => this.insertEach(collection, docs));

  constructor(options: MongoStoreOptions) {
    // Creating the client opens nothing; the first call (normally connect()) does.
    this.client = new MongoClient(options.url, {
      appName: 'caas',
      writeConcern: { w: 'majority' },
      retryWrites: true,
      retryReads: true,
      ignoreUndefined: true,
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 2_000,
    });
    this.db = this.client.db(options.dbName ?? 'caas');
    this.detected = { transactions: /^mongodb\+srv:|[?&]replicaSet=/.test(options.url) };
    this.guard = enginePolicy({ engine: ADAPTER, timeoutMs: options.timeoutMs ?? 10_000, isTransient: isTransientMongoError });
    this.runtime = {
      adapter: ADAPTER,
      validate: this.validate,
      hasTransactions: () => this.detected.transactions,
      splitsIn: () => this.ferretdb === true,
      // Until the server is known, reads leave the revision out anyway (harmless where there is none).
      revisioned: () => this.ferretdb !== false,
      driver: (name) => this.db.collection<Doc>(name),
      read: (operation, collection, work) => this.call(operation, collection, work),
      write: (operation, collection, work) => this.call(operation, collection, () => unknownOutcomeOnNetworkError(operation, work)),
      insert: (collection, doc) => this.inserts.insert(collection, doc),
      atomically: (operation, collection, work) => this.atomically(operation, collection, work),
    };
  }

  get capabilities(): StoreCapabilities {
    return this.detected;
  }

  /**
   * Connects once and reads the server's identity and capabilities; later calls share the result
   * (a failed attempt is forgotten, so the next call tries again). Not retried: whoever asked (a
   * readiness probe, the startup preparation with its own backoff) decides what happens next.
   */
  connect(): Promise<MongoServerInfo> {
    this.connected ??= this.once('connect', async () => {
      const admin = this.db.admin();
      const [hello, build] = await Promise.all([admin.command({ hello: 1 }), admin.command({ buildInfo: 1 })]);
      const info: MongoServerInfo = {
        version: String(build.version),
        ...(build.ferretdbVersion ? { ferretdbVersion: String(build.ferretdbVersion) } : {}),
        ...(hello.setName ? { replicaSet: String(hello.setName) } : {}),
      };
      const clustered = Boolean(hello.setName) || hello.msg === 'isdbgrid';
      this.ferretdb = info.ferretdbVersion !== undefined;
      this.detected = info.ferretdbVersion
        ? {
            transactions: false,
            atomicUpdates: false,
            ...((await hasUpdateGuard(this.db)) ? {} : { concurrentUpdatesKept: false }),
            partialIndexes: false,
            completeOperators: false,
            rangeScans: false,
          }
        : { transactions: clustered && hello.logicalSessionTimeoutMinutes != null };
      return info;
    }).catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    return this.connected;
  }

  collection<T extends Doc = Doc>(name: string): Collection<T> {
    return new MongoCollection<T>(this.runtime, this.validate.collectionName(name));
  }

  async ensureIndexes(collection: string, specs: IndexSpec[]): Promise<void> {
    const name = this.validate.collectionName(collection);
    const wanted = wantedIndexes(this.validate, specs);
    if (wanted.length === 0) return;
    await this.connect();
    // Without partial indexes (FerretDB) the index is built unfiltered: stricter, never looser.
    const buildable = this.detected.partialIndexes === false ? wanted.map(withoutPartialFilter) : wanted;
    const existing = await this.call('ensureIndexes', name, async () => {
      try {
        return await this.db.collection(name).listIndexes().toArray();
      } catch (error) {
        if ((error as { code?: number }).code === 26) return []; // NamespaceNotFound: no collection yet
        throw error;
      }
    });
    const missing = indexesToCreate(ADAPTER, name, buildable, existing);
    if (missing.length > 0) await this.call('ensureIndexes', name, () => this.db.collection(name).createIndexes(missing));
  }

  async dropCollections(prefix: string): Promise<void> {
    const names = await this.call('dropCollections', prefix, (signal) =>
      this.db.listCollections({}, { nameOnly: true, signal }).toArray(),
    );
    for (const { name } of names) {
      if (!name.startsWith(prefix)) continue;
      await this.call('dropCollections', name, () => this.db.collection(name).drop().catch(ignoreMissingNamespace));
    }
  }

  /** One attempt, so a readiness probe answers within the server selection timeout; connects first. */
  async ping(): Promise<void> {
    await this.connect();
    await this.once('ping', () => this.db.command({ ping: 1 }));
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Every network call: the one engine policy, with MongoDB's answers translated once, here. */
  private call<T>(operation: string, collection: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.guard(operation, work, (error) => translateMongoError(ADAPTER, operation, collection, error));
  }

  /** A call that is not retried: any failure is ENGINE_UNAVAILABLE at once. */
  private once<T>(operation: string, work: () => Promise<T>): Promise<T> {
    return this.guard(operation, async () => {
      try {
        return await work();
      } catch (error) {
        if (isAppError(error)) throw error;
        throw new AppError('ENGINE_UNAVAILABLE', `[${ADAPTER}] ${operation} failed: ${(error as Error).message}`, { cause: error });
      }
    });
  }

  /** Inserts each document on its own (insertMany, unordered); resolves with each one's error, undefined when inserted. */
  private insertEach(collection: string, docs: Doc[]): Promise<unknown[]> {
    const driver = this.runtime.driver(collection);
    return this.runtime.write('insertOne', collection, async () => {
      if (docs.length === 1) {
        await driver.insertOne(docs[0]!);
        return [undefined];
      }
      try {
        await driver.insertMany(docs, { ordered: false });
        return docs.map(() => undefined);
      } catch (error) {
        // Refusals of single documents (a duplicate key) are answers; anything else fails them all.
        if (!(error instanceof MongoBulkWriteError) || error.writeConcernError) throw error;
        const refused = [error.writeErrors].flat();
        if (refused.length === 0) throw error;
        const errors: unknown[] = docs.map(() => undefined);
        for (const writeError of refused) {
          const answer = new MongoServerError({ ...writeError.err, message: writeError.errmsg });
          errors[writeError.index] = translateMongoError(ADAPTER, 'insertOne', collection, answer);
        }
        return errors;
      }
    });
  }

  private async atomically<T>(operation: string, collection: string, work: (session: ClientSession | undefined) => Promise<T>): Promise<T> {
    // Whether transactions exist is known only once connected.
    await this.connect();
    if (!this.detected.transactions) return this.runtime.write(operation, collection, () => work(undefined));
    return this.runtime.write(operation, collection, async () => {
      const session = this.client.startSession();
      try {
        // withTransaction retries transient transaction errors itself, as the driver specifies.
        return await session.withTransaction(() => work(session), { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } });
      } finally {
        await session.endSession();
      }
    });
  }
}

function withoutPartialFilter(index: WantedIndex): WantedIndex {
  const { partialFilterExpression: _dropped, ...rest } = index;
  return rest;
}

/** A write whose connection failed mid-way is not retried (see WriteOutcomeUnknown). */
async function unknownOutcomeOnNetworkError<T>(operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isConnectionLost(error)) throw new WriteOutcomeUnknown(operation, error);
    throw error;
  }
}

function ignoreMissingNamespace(error: unknown): boolean {
  if ((error as { code?: number }).code === 26) return false; // NamespaceNotFound: already gone
  throw error;
}

/**
 * Builds the store without waiting for the server: the process starts while MongoDB is still
 * down, readiness (ping) reports it, and the startup preparation retries until it answers.
 */
export async function createMongoStore(options: MongoStoreOptions): Promise<MongoStore> {
  return new MongoStore(options);
}
