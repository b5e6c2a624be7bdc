import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database, { type Statement } from 'better-sqlite3';
import { AppError, isAppError } from '../../runtime/errors.ts';
import { emptyCatalog, type Catalog } from './local-catalog.ts';
import { tableName } from './local-indexes.ts';

/**
 * The one SQLite connection of an embedded store: `<dataDir>/store.sqlite` in WAL mode, so
 * readers never block the writer and several processes (per-function bundles) share the file.
 * Writes run in BEGIN IMMEDIATE transactions: the write lock is taken before anything is read,
 * so a read-modify-write (counters, claims) cannot interleave with another process's. A writer
 * that finds the lock taken waits up to `busyTimeoutMs` (blocking, as SQLite does) before
 * ENGINE_UNAVAILABLE.
 *
 * Schema: one table per collection, `"docs:<name>" (id TEXT PRIMARY KEY, doc TEXT)` holding
 * the document as JSON, so each collection's indexes cover only its own rows and dropping a
 * collection is DROP TABLE; plus `caas_collections (name, catalog)` for declared indexes and
 * path flags (local-catalog.ts). A collection's table and catalog row are created together.
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
  private readonly catalogs = new Map<string, { text: string; catalog: Catalog }>();
  private readonly immediate: <T>(fn: () => T) => T;
  private readonly deferred: <T>(fn: () => T) => T;

  constructor(options: LocalDatabaseOptions) {
    mkdirSync(options.dataDir, { recursive: true });
    this.file = join(options.dataDir, 'store.sqlite');
    this.db = new Database(this.file, { timeout: options.busyTimeoutMs ?? 10_000 });
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a process crash; only a power loss may drop the last commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS caas_collections (name TEXT PRIMARY KEY, catalog TEXT NOT NULL)');
    const run = this.db.transaction((fn: () => unknown) => fn());
    this.immediate = (fn) => run.immediate(fn) as ReturnType<typeof fn>;
    this.deferred = (fn) => run.deferred(fn) as ReturnType<typeof fn>;
  }

  get open(): boolean {
    return this.db.open;
  }

  /** Runs `fn` holding the write lock; any throw rolls everything back. */
  write<T>(fn: () => T): T {
    return this.guarded(() => this.immediate(fn));
  }

  /** Runs `fn` on one consistent snapshot. */
  read<T>(fn: () => T): T {
    return this.guarded(() => this.deferred(fn));
  }

  statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement) {
      this.statements.delete(sql);
    } else {
      statement = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value!);
    }
    this.statements.set(sql, statement);
    return statement;
  }

  /** The collection's catalog, or null when the collection does not exist (yet). */
  catalog(collection: string): Catalog | null {
    const text = this.statement('SELECT catalog FROM caas_collections WHERE name = ?').pluck().get(collection) as string | undefined;
    if (text === undefined) return null;
    const cached = this.catalogs.get(collection);
    if (cached?.text === text) return structuredClone(cached.catalog);
    const catalog = JSON.parse(text) as Catalog;
    this.catalogs.set(collection, { text, catalog });
    return structuredClone(catalog);
  }

  /** Inside write(): the catalog, creating the collection's table first when needed. */
  createCollection(collection: string): Catalog {
    const existing = this.catalog(collection);
    if (existing) return existing;
    this.db.exec(`CREATE TABLE IF NOT EXISTS ${tableName(collection)} (id TEXT PRIMARY KEY, doc TEXT NOT NULL)`);
    const catalog = emptyCatalog();
    this.statement('INSERT INTO caas_collections (name, catalog) VALUES (?, ?)').run(collection, JSON.stringify(catalog));
    return catalog;
  }

  saveCatalog(collection: string, catalog: Catalog): void {
    this.statement('UPDATE caas_collections SET catalog = ? WHERE name = ?').run(JSON.stringify(catalog), collection);
  }

  collectionNames(): string[] {
    return this.statement('SELECT name FROM caas_collections').pluck().all() as string[];
  }

  /** Inside write(). */
  dropCollection(collection: string): void {
    this.db.exec(`DROP TABLE IF EXISTS ${tableName(collection)}`);
    this.statement('DELETE FROM caas_collections WHERE name = ?').run(collection);
    this.catalogs.delete(collection);
  }

  /** DDL (CREATE INDEX) cannot be a cached statement: it runs once. */
  exec(sql: string): void {
    this.db.exec(sql);
  }

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }

  private guarded<T>(fn: () => T): T {
    if (!this.db.open) throw new AppError('ENGINE_UNAVAILABLE', `[${ADAPTER}] store is closed`);
    try {
      return fn();
    } catch (error) {
      throw translateError(error);
    }
  }
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
