import { AppError } from '../../runtime/errors.ts';
import type { Collection, Doc, Filter, FindOptions, IndexSpec, StoreCapabilities, StorePort } from './port.ts';
import { StoreGuard } from './guard.ts';
import { indexedPaths, withPathShapes, type Catalog } from './local-catalog.ts';
import { LocalCollection } from './local-collection.ts';
import { LocalDatabase, type LocalDatabaseOptions } from './local-database.ts';
import { duplicatesKeys, indexStatements, normalizeIndex, sameIndex, tableName } from './local-indexes.ts';
import { planQuery } from './local-planner.ts';
import { selectSql } from './local-select.ts';

/**
 * The embedded store: MongoDB's document model on one SQLite file, `<dataDir>/store.sqlite`.
 * Options: `dataDir` (created when missing), `busyTimeoutMs` (default 10 000: how long a writer
 * waits for another process's transaction before ENGINE_UNAVAILABLE).
 *
 * @example
 *   const store = await createLocalStore({ dataDir: './.caas' });
 *   await store.ensureIndexes('messages', [{ keys: { conversationId: 1, seq: 1 }, unique: true }]);
 */
export const LOCAL_STORE_NAME = 'local';
const ADAPTER = 'store:local';

/** What explain() reports: the SQL a find runs and SQLite's plan for it. */
export interface LocalQueryExplanation {
  sql: string;
  params: Array<string | number>;
  pushedPaths: string[];
  sortedInSql: boolean;
  /** SQL alone decides the matches (counts and deletes read no documents). */
  exact: boolean;
  /** EXPLAIN QUERY PLAN details, e.g. "SEARCH docs:m USING INDEX order:m:conv_1_seq_1 (<expr>=? AND <expr><?)". */
  plan: string[];
}

export class LocalStore implements StorePort {
  readonly name = LOCAL_STORE_NAME;
  readonly capabilities: StoreCapabilities = { transactions: true };
  private readonly guard: StoreGuard = new StoreGuard(ADAPTER);
  private readonly db: LocalDatabase;

  constructor(options: LocalDatabaseOptions) {
    this.db = new LocalDatabase(options);
  }

  /** Path of the SQLite file. */
  get file(): string {
    return this.db.file;
  }

  collection<T extends Doc = Doc>(name: string): Collection<T> {
    return new LocalCollection<T>(this.db, this.guard.collectionName(name), this.guard);
  }

  /**
   * Creates each index with its SQLite indexes (local-indexes.ts) in one transaction; a unique
   * index that existing documents already violate is refused with CONFLICT and nothing is created.
   */
  async ensureIndexes(collection: string, specs: IndexSpec[]): Promise<void> {
    this.guard.collectionName(collection);
    const wanted = specs.map(normalizeIndex);
    await this.db.write(() => {
      const current = this.db.createCollection(collection);
      const indexes = [...current.indexes];
      for (const index of wanted) {
        const existing = indexes.find((other) => other.name === index.name);
        if (existing && sameIndex(existing, index)) continue;
        const clash = existing ?? indexes.find((other) => duplicatesKeys(other, index));
        if (clash) {
          throw this.conflict(`index ${index.name} on ${collection} clashes with existing index ${clash.name}`);
        }
        for (const statement of indexStatements(collection, index)) this.db.exec(statement);
        indexes.push(index);
      }
      if (indexes.length === current.indexes.length) return;
      let catalog: Catalog = { indexes, paths: current.paths };
      const newPaths = [...indexedPaths(catalog)].filter((path) => !(path in catalog.paths));
      catalog = { indexes, paths: { ...current.paths, ...Object.fromEntries(newPaths.map((path) => [path, { multikey: false, mixedOrder: false }])) } };
      for (const json of this.db.statement(`SELECT doc FROM ${tableName(collection)}`).pluck().iterate() as IterableIterator<string>) {
        catalog = withPathShapes(catalog, JSON.parse(json) as Doc, newPaths);
      }
      this.db.saveCatalog(collection, catalog);
    });
  }

  async dropCollections(prefix: string): Promise<void> {
    await this.db.write(() => {
      for (const name of this.db.collectionNames()) if (name.startsWith(prefix)) this.db.dropCollection(name);
    });
  }

  async ping(): Promise<void> {
    await this.db.read(() => this.db.statement('SELECT 1').pluck().get());
  }

  async close(): Promise<void> {
    this.db.close();
  }

  async purgeErased(): Promise<void> {
    this.db.purgeWal();
  }

  /** How a find would run: which conditions reach SQL, and the index SQLite picks (tests, debugging). */
  explain(collection: string, filter: Filter, options: Pick<FindOptions, 'sort'> = {}): LocalQueryExplanation {
    this.guard.collectionName(collection);
    this.guard.filter(filter);
    if (options.sort) this.guard.sort(options.sort);
    return this.db.readNow(() => {
      const catalog = this.db.catalog(collection);
      if (!catalog) throw this.guard.bad(`collection ${collection} does not exist`);
      const plan = planQuery(filter, options.sort, catalog);
      const sql = selectSql(collection, plan);
      const rows = this.db.statement(`EXPLAIN QUERY PLAN ${sql}`).all(...plan.params) as Array<{ detail: string }>;
      return { sql, params: plan.params, pushedPaths: plan.pushedPaths, sortedInSql: plan.sortedInSql, exact: plan.exact, plan: rows.map((row) => row.detail) };
    });
  }

  private conflict(message: string): AppError {
    return new AppError('CONFLICT', `[${ADAPTER}] ${message}`);
  }
}

export async function createLocalStore(options: LocalDatabaseOptions): Promise<LocalStore> {
  return new LocalStore(options);
}
