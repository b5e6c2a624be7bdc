import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { openLocalDatabase, purgeWal } from '../local-storage/sqlite.ts';
import { AppError, isAppError } from '../../runtime/errors.ts';
import { decodeCursor, encodeCursor, queryFingerprint } from './cursor.ts';
import { parseDocuments, parseFilter, parseIndexName, parseQuery, parseVersion } from './input.ts';
import { matchingIds, rankedPage } from './local-query.ts';
import { createIndexSql, dropIndexSql, indexTables } from './local-schema.ts';
import { deleteDocument, upsertDocument } from './local-writes.ts';
import { matchExpression } from './match-expression.ts';
import type { SearchDocument, SearchFilter, SearchPage, SearchPort, SearchQuery } from './port.ts';

/**
 * Embedded full-text search on SQLite FTS5 (one file, e.g. `<CAAS_DATA_DIR>/search.sqlite`).
 * Writes are committed before the call returns, so they are visible at once and `refresh` has
 * nothing to do. Ranking is bm25; scores are negated so that, as in Elasticsearch, higher is better.
 *
 * @example
 *   const search = new LocalSearch({ file: '.caas/search.sqlite' });
 *   await search.ensureIndex('messages');
 */
export interface LocalSearchOptions {
  /** Database file; created with its directory when missing. `:memory:` for a throwaway index. */
  file: string;
}

const NAME = 'search:local';
/** Statements are cached by SQL text; filter shapes are few, but the cache must stay bounded. */
const MAX_CACHED_STATEMENTS = 512;

const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY|NOMEM)/;

export class LocalSearch implements SearchPort {
  readonly name = 'local';
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Statement>();

  constructor(options: LocalSearchOptions) {
    try {
      if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
      this.db = openLocalDatabase(options.file);
    } catch (error) {
      throw new AppError('ENGINE_UNAVAILABLE', `[${NAME}] cannot open ${options.file}: ${(error as Error).message}`, { cause: error });
    }
  }

  async ensureIndex(index: string): Promise<void> {
    const name = parseIndexName(NAME, index);
    this.guard(name, 'ensureIndex', () => this.db.exec(createIndexSql(name)));
  }

  async upsert(index: string, documents: SearchDocument[]): Promise<void> {
    const name = parseIndexName(NAME, index);
    const valid = parseDocuments(NAME, documents);
    const tables = indexTables(name);
    this.guard(name, 'upsert', () => {
      this.db.transaction(() => {
        for (const document of valid) upsertDocument(this.prepare, tables, document);
      })();
    });
  }

  async delete(index: string, id: string, version?: number): Promise<void> {
    const name = parseIndexName(NAME, index);
    const validVersion = parseVersion(NAME, version);
    const tables = indexTables(name);
    this.guard(name, 'delete', () => {
      this.db.transaction(() => deleteDocument(this.prepare, tables, id, validVersion))();
    });
  }

  async deleteByQuery(index: string, filter: SearchFilter): Promise<number> {
    const name = parseIndexName(NAME, index);
    const valid = parseFilter(NAME, filter);
    const tables = indexTables(name);
    return this.guard(name, 'deleteByQuery', () =>
      this.db.transaction(() => {
        const ids = matchingIds(this.prepare, tables, valid);
        // Tombstones keep each document's version, exactly as a one-by-one delete would.
        for (const id of ids) deleteDocument(this.prepare, tables, id, undefined);
        return ids.length;
      })(),
    );
  }

  async query(index: string, query: SearchQuery): Promise<SearchPage> {
    const name = parseIndexName(NAME, index);
    const valid = parseQuery(NAME, query);
    const words = matchExpression(NAME, valid.text, valid.prefix);
    const fingerprint = queryFingerprint([name, words, valid.filter]);
    const offset = valid.cursor === undefined ? 0 : decodeCursor(NAME, valid.cursor, fingerprint);
    const page = this.guard(name, 'query', () => rankedPage(this.prepare, indexTables(name), words, valid.filter, valid.limit, offset));
    return { hits: page.hits, nextCursor: page.hasMore ? encodeCursor(offset + valid.limit, fingerprint) : null };
  }

  async refresh(index: string): Promise<void> {
    const name = parseIndexName(NAME, index);
    this.guard(name, 'refresh', () => this.prepare(`SELECT 1 FROM ${indexTables(name).docs} LIMIT 1`).get());
  }

  async dropIndex(index: string): Promise<void> {
    const name = parseIndexName(NAME, index);
    this.statements.clear();
    this.guard(name, 'dropIndex', () => this.db.exec(dropIndexSql(name)));
  }

  async ping(): Promise<void> {
    this.guard('-', 'ping', () => this.db.prepare('SELECT 1').get());
  }

  async purgeErased(): Promise<void> {
    purgeWal(this.db);
  }

  async close(): Promise<void> {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }

  private readonly prepare = (sql: string): Statement => {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  };

  /** Runs SQLite work, translating driver errors into AppErrors at this boundary. */
  private guard<T>(index: string, operation: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (isAppError(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const code = (error as { code?: unknown }).code;
      if (/no such table/.test(message)) {
        throw new AppError('NOT_FOUND', `[${NAME}] index "${index}" does not exist; call ensureIndex first`, { cause: error });
      }
      if (!this.db.open || (typeof code === 'string' && UNAVAILABLE_CODES.test(code))) {
        throw new AppError('ENGINE_UNAVAILABLE', `[${NAME}] ${operation} failed: ${message}`, { cause: error });
      }
      throw new AppError('INTERNAL', `[${NAME}] ${operation} failed: ${message}`, { cause: error });
    }
  }
}
