import type { Statement } from 'better-sqlite3';
import { documentKeys } from './local-keys.ts';
import { toSqlValue } from './local-filter.ts';
import type { IndexTables } from './local-schema.ts';
import { indexableText } from './match-expression.ts';
import type { SearchDocument } from './port.ts';

/**
 * Versioned writes to one embedded index; callers run them inside a transaction. The FTS table
 * uses external content, so removing a document's postings needs the exact text and keys it was
 * indexed with, which the docs row still holds at that moment.
 */
export type Prepare = (sql: string) => Statement;

interface StoredDoc {
  rowid: number;
  version: number | null;
  deleted: 0 | 1;
  text: string;
  keys: string;
}

/** A write carrying a version lower than the stored one lost the race and is ignored. */
function isStale(stored: StoredDoc | undefined, incoming: number | undefined): boolean {
  return stored !== undefined && stored.version !== null && incoming !== undefined && incoming < stored.version;
}

function findStored(prepare: Prepare, tables: IndexTables, id: string): StoredDoc | undefined {
  return prepare(`SELECT rowid, version, deleted, text, keys FROM ${tables.docs} WHERE id = ?`).get(id) as StoredDoc | undefined;
}

function storeTerms(prepare: Prepare, tables: IndexTables, rowid: number, fields: SearchDocument['fields']): void {
  const insert = prepare(`INSERT OR IGNORE INTO ${tables.terms} (doc, field, value) VALUES (?, ?, ?)`);
  for (const [field, value] of Object.entries(fields)) {
    for (const element of Array.isArray(value) ? value : [value]) {
      if (element !== null) insert.run(rowid, field, toSqlValue(element));
    }
  }
}

function unindex(prepare: Prepare, tables: IndexTables, stored: StoredDoc): void {
  prepare(`INSERT INTO ${tables.fts} (${tables.fts}, rowid, text, keys) VALUES ('delete', ?, ?, ?)`).run(stored.rowid, stored.text, stored.keys);
  prepare(`DELETE FROM ${tables.terms} WHERE doc = ?`).run(stored.rowid);
}

/** Returns false when the write was ignored because a newer version is stored. */
export function upsertDocument(prepare: Prepare, tables: IndexTables, document: SearchDocument): boolean {
  const stored = findStored(prepare, tables, document.id);
  if (isStale(stored, document.version)) return false;
  const text = indexableText(document.text);
  const keys = documentKeys(document.fields);
  const fields = JSON.stringify(document.fields);
  const version = document.version ?? stored?.version ?? null;
  let rowid: number;
  if (stored) {
    if (stored.deleted === 0) unindex(prepare, tables, stored);
    prepare(`UPDATE ${tables.docs} SET version = ?, deleted = 0, text = ?, keys = ?, fields = ? WHERE rowid = ?`).run(version, text, keys, fields, stored.rowid);
    rowid = stored.rowid;
  } else {
    const inserted = prepare(`INSERT INTO ${tables.docs} (id, version, deleted, text, keys, fields) VALUES (?, ?, 0, ?, ?, ?)`).run(document.id, version, text, keys, fields);
    rowid = Number(inserted.lastInsertRowid);
  }
  prepare(`INSERT INTO ${tables.fts} (rowid, text, keys) VALUES (?, ?, ?)`).run(rowid, text, keys);
  storeTerms(prepare, tables, rowid, document.fields);
  return true;
}

/**
 * Removes a document, leaving a tombstone with its version when there is one (also for an id
 * never seen: a delete may overtake the upsert it follows). Returns true when a live document
 * was removed.
 */
export function deleteDocument(prepare: Prepare, tables: IndexTables, id: string, version: number | undefined): boolean {
  const stored = findStored(prepare, tables, id);
  if (isStale(stored, version)) return false;
  if (stored?.deleted === 0) unindex(prepare, tables, stored);
  const tombstoneVersion = version ?? stored?.version ?? null;
  if (tombstoneVersion === null) {
    if (stored) prepare(`DELETE FROM ${tables.docs} WHERE rowid = ?`).run(stored.rowid);
  } else if (stored) {
    prepare(`UPDATE ${tables.docs} SET version = ?, deleted = 1, text = '', keys = '', fields = '{}' WHERE rowid = ?`).run(tombstoneVersion, stored.rowid);
  } else {
    prepare(`INSERT INTO ${tables.docs} (id, version, deleted, text, keys, fields) VALUES (?, ?, 1, '', '', '{}')`).run(id, tombstoneVersion);
  }
  return stored?.deleted === 0;
}
