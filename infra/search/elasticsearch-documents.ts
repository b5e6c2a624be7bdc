import type { estypes } from '@elastic/elasticsearch';
import { indexableText } from './match-expression.ts';
import type { FieldCondition, FieldValue, SearchDocument, SearchFilter } from './port.ts';

/**
 * Port documents and filters in the index layout of elasticsearch-index.ts.
 *
 * Deletes leave tombstones: `{deleted: true}` with the deleted version, written with external
 * versioning like any other write. Elasticsearch forgets the version of a really deleted document
 * after `index.gc_deletes` (60 s), after which a late, older upsert would bring it back; a
 * tombstone keeps refusing it, exactly as the embedded index's tombstone rows do.
 */
export interface IndexedSource {
  id: string;
  text: string;
  fields: SearchDocument['fields'];
  str: Record<string, string | string[]>;
  num: Record<string, number>;
  bool: Record<string, boolean>;
  has: string[];
  deleted: boolean;
}

type Typed = 'str' | 'num' | 'bool';

function typeOf(value: Exclude<FieldValue, null>): Typed {
  return typeof value === 'string' ? 'str' : typeof value === 'number' ? 'num' : 'bool';
}

export function toSource(document: SearchDocument): IndexedSource {
  const source: IndexedSource = {
    id: document.id, text: indexableText(document.text), fields: document.fields, str: {}, num: {}, bool: {}, has: [], deleted: false,
  };
  for (const [field, value] of Object.entries(document.fields)) {
    if (value === null || (Array.isArray(value) && value.length === 0)) continue;
    source.has.push(field);
    if (Array.isArray(value)) source.str[field] = value;
    else if (typeof value === 'string') source.str[field] = value;
    else if (typeof value === 'number') source.num[field] = value;
    else source.bool[field] = value;
  }
  return source;
}

export function tombstone(id: string): IndexedSource {
  return { id, text: '', fields: {}, str: {}, num: {}, bool: {}, has: [], deleted: true };
}

/** Matches tombstones; every read excludes them with `must_not`. */
export const IS_TOMBSTONE: estypes.QueryDslQueryContainer = { term: { deleted: true } };

const missing = (field: string): estypes.QueryDslQueryContainer => ({ bool: { must_not: [{ term: { has: field } }] } });

function equals(field: string, value: Exclude<FieldValue, null>): estypes.QueryDslQueryContainer {
  return { term: { [`${typeOf(value)}.${field}`]: value } };
}

/** One `terms` query per JSON type present in the list (a user's thousand conversations is one clause), or missing. */
function anyOf(field: string, values: FieldValue[]): estypes.QueryDslQueryContainer {
  const byType = new Map<Typed, Array<string | number | boolean>>();
  for (const value of values) {
    if (value === null) continue;
    const typed = typeOf(value);
    const list = byType.get(typed) ?? [];
    list.push(value);
    byType.set(typed, list);
  }
  const should: estypes.QueryDslQueryContainer[] = [...byType].map(([typed, list]) => ({ terms: { [`${typed}.${field}`]: list } }));
  if (values.includes(null)) should.push(missing(field));
  return should.length === 0 ? { match_none: {} } : { bool: { should, minimum_should_match: 1 } };
}

function clause(field: string, condition: FieldCondition): estypes.QueryDslQueryContainer {
  if (condition === null) return missing(field);
  if (typeof condition !== 'object') return equals(field, condition);
  if ('exists' in condition) return condition.exists ? { term: { has: field } } : missing(field);
  if ('in' in condition) return anyOf(field, condition.in);
  // Ranges are on numbers only; strings and booleans live in other containers and never match.
  return { range: { [`num.${field}`]: condition } };
}

/** A validated filter as `bool.filter` clauses, all ANDed. */
export function filterClauses(filter: SearchFilter): estypes.QueryDslQueryContainer[] {
  return Object.entries(filter).map(([field, condition]) => clause(field, condition));
}
