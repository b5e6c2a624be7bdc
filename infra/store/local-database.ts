import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { openLocalDatabase, purgeWal } from '../local-storage/sqlite.ts';
import { AppError, isAppError } from '../../runtime/errors.ts';
import { emptyCatalog, freezeCatalog, type Catalog } from './local-catalog.ts';
import { CommitQueue } from './local-commit-queue.ts';
import { tableName } from './local-indexes.ts';

/**
 * The one SQLite connection of an embedded store: `<dataDir>/store.sqlite` in WAL mode, so
 * readers never block the writer and several processes (per-function bundles) share the file.
 * Writes run in BEGIN IMMEDIATE transactions: the write lock is taken before anything is read,
 * so a read-modify-write (counters, claims) cannot interleave with another process's. A writer
 * that finds the lock taken waits up to `busyTimeoutMs` (blocking, as SQLite does) before
 * ENGINE_UNAVAILABLE. Concurrent writes share a transaction, each in its own savepoint
 * (group commit, local-commit-queue.ts).
 *
 * Schema: one table per collection, `"docs:<name>" (id TEXT PRIMARY KEY, doc TEXT)` holding
 * the document as JSON, so each collection's indexes cover only its own rows and dropping a
 * collection is DROP TABLE; plus `caas_collections (name, catalog)` for declared indexes and
 * path flags (local-catalog.ts). A collection's table and catalog row are created together.
 *
 * Catalogs are read on every operation, so each connection caches them (frozen, shared) and
 * re-reads only when `PRAGMA data_version` says another connection has committed since: that
 * pragma runs inside the operation's transaction, so the cache always matches its snapshot. This
 * connection's own catalog writes update the cache as they happen, and an operation rolled back
 * after changing a catalog drops the cache, since its changes are gone.
 */
const ADAPTER = 'store:local';
const STATEMENT_CACHE_SIZE = 256;

export interface LocalDatabaseOptions {
  dataDir: string;
  busyTimeoutMs?: number;
}

export class LocalDatabase {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Statement>();
  /** Current as of `catalogsVersion`; null records a collection that does not exist. */
  private readonly catalogs = new Map<string, Catalog | null>();
  private catalogsVersion: number | undefined;
  /** Whether the current transaction has compared data_version yet (its snapshot cannot change after). */
  private catalogsChecked = false;
  private catalogChangedInOperation = false;
  private readonly queue: CommitQueue;
  private readonly dataVersion: Statement;
  private readonly immediate: <T>(fn: () => T) => T;
  private readonly deferred: <T>(fn: () => T) => T;

  constructor(options: LocalDatabaseOptions) {
    mkdirSync(options.dataDir, { recursive: true });
    this.file = join(options.dataDir, 'store.sqlite');
    this.db = openLocalDatabase(this.file, { busyTimeoutMs: options.busyTimeoutMs });
    this.db.exec('CREATE TABLE IF NOT EXISTS caas_collections (name TEXT PRIMARY KEY, catalog TEXT NOT NULL)');
    this.dataVersion = this.db.prepare('PRAGMA data_version').pluck();
    const run = this.db.transaction((fn: () => unknown) => fn());
    this.immediate = (fn) => run.immediate(fn) as ReturnType<typeof fn>;
    this.deferred = (fn) => run.deferred(fn) as ReturnType<typeof fn>;
    const db = this.db;
    this.queue = new CommitQueue({
      inWriteTransaction: (fn) => this.guarded(() => this.immediate(this.fresh(fn))),
      inSavepoint: (fn) => this.deferred(fn), // a nested better-sqlite3 transaction is a SAVEPOINT
      get inTransaction() {
        return db.inTransaction;
      },
      operationStarting: () => {
        this.catalogChangedInOperation = false;
      },
      operationRolledBack: () => {
        if (this.catalogChangedInOperation) this.forgetCatalogs();
      },
      batchRolledBack: () => this.forgetCatalogs(),
      translateError,
    });
  }

  get open(): boolean {
    return this.db.open;
  }

  /** Runs `fn` holding the write lock, atomically: a throw rolls back what it did. Settles once committed. */
  write<T>(fn: () => T): Promise<T> {
    if (!this.db.open) return Promise.reject(closedError());
    return this.queue.enqueue(fn, true);
  }

  /** Runs `fn` on one consistent snapshot that includes every write requested before it. */
  read<T>(fn: () => T): Promise<T> {
    if (!this.queue.idle) return this.queue.enqueue(fn, false);
    try {
      return Promise.resolve(this.readNow(fn));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** read(), synchronously: queued writes are committed first. */
  readNow<T>(fn: () => T): T {
    this.queue.flush();
    return this.guarded(() => this.deferred(this.fresh(fn)));
  }

  /** A prepared statement, cached: the store's statements are a small set of shapes run over and over. */
  statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      // Oldest-first eviction: hits stay a single lookup, and a hot statement evicted is simply prepared again.
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value!);
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Inside read() or write(): the collection's catalog (frozen, shared), or null when it does not exist (yet). */
  catalog(collection: string): Catalog | null {
    if (!this.catalogsChecked) {
      const version = this.dataVersion.get() as number;
      if (version !== this.catalogsVersion) {
        this.catalogs.clear();
        this.catalogsVersion = version;
      }
      this.catalogsChecked = true;
    }
    let catalog = this.catalogs.get(collection);
    if (catalog === undefined) {
      const text = this.statement('SELECT catalog FROM caas_collections WHERE name = ?').pluck().get(collection) as string | undefined;
      catalog = text === undefined ? null : freezeCatalog(JSON.parse(text) as Catalog);
      this.catalogs.set(collection, catalog);
    }
    return catalog;
  }

  /** Inside write(): the catalog, creating the collection's table first when needed. */
  createCollection(collection: string): Catalog {
    const existing = this.catalog(collection);
    if (existing) return existing;
    this.db.exec(`CREATE TABLE IF NOT EXISTS ${tableName(collection)} (id TEXT PRIMARY KEY, doc TEXT NOT NULL)`);
    const catalog = emptyCatalog();
    this.statement('INSERT INTO caas_collections (name, catalog) VALUES (?, ?)').run(collection, JSON.stringify(catalog));
    this.cacheCatalog(collection, catalog);
    return catalog;
  }

  /** Inside write(); returns the saved catalog, frozen. */
  saveCatalog(collection: string, catalog: Catalog): Catalog {
    this.statement('UPDATE caas_collections SET catalog = ? WHERE name = ?').run(JSON.stringify(catalog), collection);
    const saved = freezeCatalog(catalog);
    this.cacheCatalog(collection, saved);
    return saved;
  }

  collectionNames(): string[] {
    return this.statement('SELECT name FROM caas_collections').pluck().all() as string[];
  }

  /** Inside write(). */
  dropCollection(collection: string): void {
    this.db.exec(`DROP TABLE IF EXISTS ${tableName(collection)}`);
    this.statement('DELETE FROM caas_collections WHERE name = ?').run(collection);
    this.cacheCatalog(collection, null);
  }

  /** DDL (CREATE INDEX) cannot be a cached statement: it runs once. */
  exec(sql: string): void {
    this.db.exec(sql);
  }

  /** Commits what was already requested, then closes. */
  /** See StorePort.purgeErased. */
  purgeWal(): void {
    this.queue.flush();
    purgeWal(this.db);
  }

  close(): void {
    if (this.db.open) this.queue.flush();
    this.statements.clear();
    if (this.db.open) this.db.close();
  }

  private cacheCatalog(collection: string, catalog: Catalog | null): void {
    this.catalogChangedInOperation = true;
    this.catalogs.set(collection, catalog);
  }

  /** `fn` as the body of a new transaction: its first catalog read compares data_version again. */
  private fresh<T>(fn: () => T): () => T {
    return () => {
      this.catalogsChecked = false;
      return fn();
    };
  }

  private forgetCatalogs(): void {
    this.catalogs.clear();
    this.catalogsVersion = undefined;
  }

  private guarded<T>(fn: () => T): T {
    if (!this.db.open) throw closedError();
    try {
      return fn();
    } catch (error) {
      throw translateError(error);
    }
  }
}

function closedError(): AppError {
  return new AppError('ENGINE_UNAVAILABLE', `[${ADAPTER}] store is closed`);
}

/** Driver errors become AppErrors here, at the boundary. */
export function translateError(error: unknown): unknown {
  if (isAppError(error)) return error;
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message ?? String(error);
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return new AppError('CONFLICT', `[${ADAPTER}] duplicate _id`, { cause: error });
  if (code === 'SQLITE_CONSTRAINT_UNIQUE') {
    const index = /index '(?:unique|order):[^:]*:([^']*)'/.exec(message)?.[1];
    return new AppError('CONFLICT', `[${ADAPTER}] duplicate key for unique index ${index ?? message}`, { cause: error });
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new AppError('ENGINE_UNAVAILABLE', `[${ADAPTER}] database is busy: ${message}`, { cause: error });
  }
  if (code === 'SQLITE_FULL') return new AppError('LIMIT_EXCEEDED', `[${ADAPTER}] disk full: ${message}`, { cause: error });
  return new AppError('INTERNAL', `[${ADAPTER}] ${message}`, { cause: error });
}
