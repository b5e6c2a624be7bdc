import type { Filter } from './port.ts';

/**
 * FerretDB v1 hands its backend only plain equality conditions: a filter with `$in` makes it read
 * and decode every document of the collection in Go (≈ 40 ms at 5 000 events, growing with the
 * collection), where MongoDB answers from an index. On such a server the adapter asks one equality
 * query per listed value instead, which FerretDB hands to PostgreSQL as `_jsonb->key @> value`:
 * answered from a GIN index where one exists for that form (the CI engines make them,
 * infra/engines/lib/ferretdb-pushdown-indexes.sql), else by a scan filtered there; either way
 * FerretDB decodes only the matches.
 *
 * `splitIn` returns those filters when the filter has exactly one `$in`, on a top-level field, as
 * its only operator, listing at most `maxValues` scalar values; otherwise null (the filter is asked
 * as it is). Equality and `$in` match the same documents for a scalar value, array fields included.
 * A find asks its parts side by side, so it splits at most MAX_SPLIT values; a write sends its parts
 * as bulk writes, so it splits any number (a $in FerretDB answered itself would read every document).
 */
export const MAX_SPLIT = 100;

type Scalar = string | number | boolean;

export function splitIn(filter: Filter, maxValues = MAX_SPLIT): Filter[] | null {
  let field: string | undefined;
  let values: Scalar[] = [];
  for (const [key, condition] of Object.entries(filter)) {
    if (key.startsWith('$') || !isInOnly(condition)) continue;
    if (field !== undefined) return null;
    field = key;
    values = condition.$in as Scalar[];
  }
  if (field === undefined || values.length === 0 || values.length > maxValues || !values.every(isScalar)) return null;
  return [...new Set(values)].map((value) => ({ ...filter, [field]: value }));
}

function isInOnly(condition: unknown): condition is { $in: unknown[] } {
  if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) return false;
  const keys = Object.keys(condition);
  return keys.length === 1 && keys[0] === '$in' && Array.isArray((condition as { $in: unknown }).$in);
}

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}
