import { ALL_DOCUMENTS_TOKEN, equalityToken, presenceToken } from './local-keys.ts';
import type { FieldCondition, FieldValue, SearchFilter } from './port.ts';

/**
 * Compiles a validated SearchFilter for the embedded index. Equality, `in` and `exists` become
 * FTS5 expressions over the `keys` column (see local-keys.ts); numeric ranges (and an `in` list
 * holding null, or a long one) become SQL probes of the terms table for each FTS candidate. A field matches when
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
/** Past this many values, an `in` is checked per candidate rather than as OR'ed FTS5 tokens. */
const MAX_TOKEN_ALTERNATIVES = 64;
const RANGE_OPERATORS = { gte: '>=', gt: '>', lte: '<=', lt: '<' } as const;

function compileAnyOf(target: CompiledFilter, probe: string, field: string, list: FieldValue[]): void {
  const values = list.filter((value) => value !== null);
  const orMissing = list.includes(null);
  if (!orMissing && values.length === 0) {
    target.impossible = true;
  } else if (!orMissing && values.length <= MAX_TOKEN_ALTERNATIVES) {
    target.required.push(`(${values.map((value) => quote(equalityToken(field, value))).join(' OR ')})`);
  } else {
    // Past a few dozen values, OR'ed tokens cost FTS5 one seek each per query (a user's thousand
    // conversations), so the list is checked per candidate instead: one probe of the terms
    // table against the list held once as a temporary index (`+value` keeps SQLite from seeking
    // once per list entry). "Any of these, or missing" has no FTS5 spelling at all (NOT is binary).
    const anyOf = `EXISTS (${probe} AND +value IN (SELECT value FROM json_each(?)))`;
    target.sql.push(orMissing ? `(${anyOf} OR NOT EXISTS (${probe}))` : anyOf);
    target.params.push(field, JSON.stringify(values.map(toSqlValue)), ...(orMissing ? [field] : []));
  }
}

function compileCondition(target: CompiledFilter, tables: { fts: string; terms: string }, field: string, condition: FieldCondition): void {
  const probe = `SELECT 1 FROM ${tables.terms} WHERE doc = ${tables.fts}.rowid AND field = ?`;
  if (condition === null) {
    target.excluded.push(quote(presenceToken(field)));
  } else if (typeof condition !== 'object') {
    target.required.push(quote(equalityToken(field, condition)));
  } else if ('exists' in condition) {
    (condition.exists ? target.required : target.excluded).push(quote(presenceToken(field)));
  } else if ('in' in condition) {
    compileAnyOf(target, probe, field, condition.in);
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
