/**
 * Tables of one embedded search index, all in the shared search.sqlite file:
 *
 * - `search/<index>/docs`: one row per document id: version, tombstone flag, the indexed text, the
 *   filter tokens (see local-keys.ts) and the fields as JSON (returned with hits). Deleted
 *   documents that carry a version stay as tombstones so an older, late upsert cannot revive them.
 * - `search/<index>/fts`: FTS5 over docs.text and docs.keys (external content, so nothing is
 *   stored twice); Porter stemming over unicode61 with accents and case folded; ranked by bm25 on
 *   the text alone; prefix indexes of 2 and 3 characters keep search-as-you-type fast.
 * - `search/<index>/terms`: (doc, field, value) for every scalar and array element, keeping its
 *   SQLite type, probed per candidate for what tokens cannot answer (numeric ranges).
 *
 * Index names are validated (see input.ts) before they reach these identifiers.
 */
export interface IndexTables {
  docs: string;
  fts: string;
  terms: string;
}

export function indexTables(index: string): IndexTables {
  return {
    docs: `"search/${index}/docs"`,
    fts: `"search/${index}/fts"`,
    terms: `"search/${index}/terms"`,
  };
}

export function createIndexSql(index: string): string {
  const tables = indexTables(index);
  return `
    CREATE TABLE IF NOT EXISTS ${tables.docs} (
      rowid INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      version INTEGER,
      deleted INTEGER NOT NULL DEFAULT 0,
      text TEXT NOT NULL,
      keys TEXT NOT NULL,
      fields TEXT NOT NULL
    );
    CREATE VIRTUAL TABLE IF NOT EXISTS ${tables.fts} USING fts5(
      text,
      keys,
      content='search/${index}/docs',
      content_rowid='rowid',
      tokenize='porter unicode61 remove_diacritics 2',
      prefix='2 3'
    );
    INSERT INTO ${tables.fts} (${tables.fts}, rank) VALUES ('rank', 'bm25(1.0, 0.0)');
    -- Deleted documents leave no terms behind in the index's segments (erasure, retention).
    INSERT INTO ${tables.fts} (${tables.fts}, rank) VALUES ('secure-delete', 1);
    CREATE TABLE IF NOT EXISTS ${tables.terms} (
      doc INTEGER NOT NULL,
      field TEXT NOT NULL,
      value,
      PRIMARY KEY (doc, field, value)
    ) WITHOUT ROWID;
  `;
}

export function dropIndexSql(index: string): string {
  const tables = indexTables(index);
  return `
    DROP TABLE IF EXISTS ${tables.fts};
    DROP TABLE IF EXISTS ${tables.terms};
    DROP TABLE IF EXISTS ${tables.docs};
  `;
}
