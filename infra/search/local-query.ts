import { MATCH_END, MATCH_START, renderHighlight } from './highlight.ts';
import { compileFilter, matchWithFilter } from './local-filter.ts';
import type { IndexTables } from './local-schema.ts';
import type { Prepare } from './local-writes.ts';
import type { SearchFilter, SearchHit } from './port.ts';

/**
 * Reads of one embedded index. Ranking touches only the FTS table (rowid and bm25 rank); ids,
 * fields and snippets are fetched afterwards for the page alone, because SQLite would otherwise
 * compute a snippet for every candidate before sorting.
 */
const SNIPPET_TOKENS = 24;

interface RankedRow {
  rowid: number;
  rank: number;
}

interface DetailRow {
  rowid: number;
  id: string;
  fields: string;
  snippet: string;
}

export interface RankedPage {
  hits: SearchHit[];
  hasMore: boolean;
}

/** `words` is a quoted FTS5 expression (match-expression.ts); scores: higher is better. */
export function rankedPage(prepare: Prepare, tables: IndexTables, words: string, filter: SearchFilter, limit: number, offset: number): RankedPage {
  const compiled = compileFilter(tables, filter);
  if (compiled.impossible) return { hits: [], hasMore: false };
  const where = [`${tables.fts} MATCH ?`, ...compiled.sql].join(' AND ');
  // One row more than asked tells whether another page exists without a count query.
  const ranked = prepare(`SELECT rowid, rank FROM ${tables.fts} WHERE ${where} ORDER BY rank, rowid DESC LIMIT ? OFFSET ?`)
    .all(matchWithFilter(words, compiled), ...compiled.params, limit + 1, offset) as RankedRow[];
  const page = ranked.slice(0, limit);
  if (page.length === 0) return { hits: [], hasMore: false };

  const details = prepare(
    `SELECT d.rowid AS rowid, d.id AS id, d.fields AS fields, snippet(${tables.fts}, 0, ?, ?, '…', ${SNIPPET_TOKENS}) AS snippet
     FROM ${tables.fts} JOIN ${tables.docs} AS d ON d.rowid = ${tables.fts}.rowid
     WHERE ${tables.fts} MATCH ? AND ${tables.fts}.rowid IN (SELECT value FROM json_each(?))`,
  ).all(MATCH_START, MATCH_END, `text : (${words})`, JSON.stringify(page.map((row) => row.rowid))) as DetailRow[];
  const byRowid = new Map(details.map((row) => [row.rowid, row]));
  const hits = page.flatMap((row) => {
    const detail = byRowid.get(row.rowid);
    if (!detail) return [];
    return [{ id: detail.id, score: -row.rank, highlight: renderHighlight(detail.snippet), fields: JSON.parse(detail.fields) as SearchHit['fields'] }];
  });
  return { hits, hasMore: ranked.length > limit };
}

/** Ids of the live documents a filter selects (for deleteByQuery). */
export function matchingIds(prepare: Prepare, tables: IndexTables, filter: SearchFilter): string[] {
  const compiled = compileFilter(tables, filter);
  if (compiled.impossible) return [];
  const where = [`${tables.fts} MATCH ?`, ...compiled.sql].join(' AND ');
  return prepare(`SELECT d.id FROM ${tables.fts} JOIN ${tables.docs} AS d ON d.rowid = ${tables.fts}.rowid WHERE ${where}`)
    .pluck()
    .all(matchWithFilter(null, compiled), ...compiled.params) as string[];
}
