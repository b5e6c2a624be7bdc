/**
 * The one way the embedded twins (store, bus log and offsets, search) open SQLite, so they all
 * behave alike under contention: WAL (readers never block the writer), `synchronous = NORMAL`
 * (survives a process crash; only a power loss may drop the last commits) and one busy timeout,
 * how long a writer waits for another process's write lock before failing. `secure_delete` zeroes
 * what a delete or update frees, and purgeWal() empties the WAL, so erased content (GDPR erasure,
 * retention) leaves no bytes behind in the files.
 */
import Database from 'better-sqlite3';

export const LOCAL_BUSY_TIMEOUT_MS = 10_000;

export interface LocalDatabaseOpenOptions {
  /** Default LOCAL_BUSY_TIMEOUT_MS. */
  busyTimeoutMs?: number;
}

export function openLocalDatabase(file: string, options: LocalDatabaseOpenOptions = {}): Database.Database {
  const db = new Database(file, { timeout: options.busyTimeoutMs ?? LOCAL_BUSY_TIMEOUT_MS });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('secure_delete = ON');
  return db;
}

/** Copies the WAL into the database and truncates it to zero bytes (old page images included). */
export function purgeWal(db: Database.Database): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}
