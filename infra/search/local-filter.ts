import { ALL_DOCUMENTS_TOKEN, equalityToken, presenceToken } from './local-keys.ts';
import type { FieldCondition, FieldValue, SearchFilter } from './port.ts';

/**
 * Compiles a validated SearchFilter for the embedded index. Equality, `in` and `exists` become
 * FTS5 expressions over the `keys` column (see local-keys.ts); numeric ranges (and an `in` list
 * holding null) become SQL probes of the terms table for each FTS candidate. A field matches when
 * any of its values does, so string arrays behave like Elasticsearch keyword arrays, and `{f: null}`
 * means "f is missing or null", as in Elasticsearch.
 */
export type SqlValue = string | number | null;

export interface CompiledFilter {
  /** FTS5 sub-expressions that must all match (keys column). */
  required: string[];
  /** FTS5 sub-expressions that must not match. */
  excluded: string[];
  /** SQL conditions on `<fts>.rowid`, ANDed. */
  sql: string[];
  params: SqlValue[];
  /** Nothing can match (e.g. `{in: []}`): callers skip the query. */
  impossible: boolean;
}

/** Booleans are stored as 1/0, the way SQLite's json_each reports them. */
export function toSqlValue(value: FieldValue): SqlValue {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

const quote = (token: string) => `"${token}"`;
const RANGE_OPERATORS = { gte: '>=', gt: '>', lte: '<=', lt: '<' } as const;

function compileCondition(target: CompiledFilter, tables: { fts: string; terms: string }, field: string, condition: FieldCondition): void {
  const probe = `SELECT 1 FROM ${tables.terms} WHERE doc = ${tables.fts}.rowid AND field = ?`;
  if (condition === null) {
    target.excluded.push(quote(presenceToken(field)));
  } else if (typeof condition !== 'object') {
    target.required.push(quote(equalityToken(field, condition)));
  } else if ('exists' in condition) {
    (condition.exists ? target.required : target.excluded).push(quote(presenceToken(field)));
  } else if ('in' in condition) {
    const values = condition.in.filter((value) => value !== null);
    if (!condition.in.includes(null)) {
      if (values.length === 0) target.impossible = true;
      else target.required.push(`(${values.map((value) => quote(equalityToken(field, value))).join(' OR ')})`);
      return;
    }
    // "Any of these, or missing" has no FTS5 spelling (NOT is binary): ask the terms table.
    target.sql.push(`(EXISTS (${probe} AND value IN (SELECT value FROM json_each(?))) OR NOT EXISTS (${probe}))`);
    target.params.push(field, JSON.stringify(values.map(toSqlValue)), field);
  } else {
    const bounds = Object.entries(condition) as [keyof typeof RANGE_OPERATORS, number][];
    // Text sorts after every number in SQLite, so ranges must exclude it explicitly.
    const where = [...bounds.map(([operator]) => `value ${RANGE_OPERATORS[operator]} ?`), `typeof(value) IN ('integer', 'real')`];
    target.sql.push(`EXISTS (${probe} AND ${where.join(' AND ')})`);
    target.params.push(field, ...bounds.map(([, bound]) => bound));
  }
}

export function compileFilter(tables: { fts: string; terms: string }, filter: SearchFilter): CompiledFilter {
  const compiled: CompiledFilter = { required: [], excluded: [], sql: [], params: [], impossible: false };
  for (const [field, condition] of Object.entries(filter)) compileCondition(compiled, tables, field, condition);
  return compiled;
}

/** The full MATCH expression: the words (if any) in `text`, the filter tokens in `keys`. */
export function matchWithFilter(words: string | null, filter: CompiledFilter): string {
  const required = [
    ...(words === null ? [] : [`text : (${words})`]),
    ...filter.required.map((expression) => `keys : ${expression}`),
  ];
  if (required.length === 0) required.push(`keys : ${quote(ALL_DOCUMENTS_TOKEN)}`);
  const positive = `(${required.join(' AND ')})`;
  return filter.excluded.length === 0 ? positive : `${positive} NOT keys : (${filter.excluded.join(' OR ')})`;
}
