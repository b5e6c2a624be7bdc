import type { Filter, SortSpec } from './port.ts';
import { isOperatorObject } from './guard.ts';
import { indexedPaths, type Catalog } from './local-catalog.ts';
import { valueExpression } from './local-indexes.ts';

/**
 * Turns the cheap part of a filter into SQL so SQLite can seek an index instead of scanning.
 *
 * The rule for what is pushed down:
 * - only conditions on `_id` or on a path that is a key of a declared index and has never held
 *   an array (see local-catalog.ts), found at the top level or inside top-level `$and`;
 * - only these forms: equality with a string, number, boolean or null (null becomes IS NULL),
 *   `$eq`, `$gt`/`$gte`/`$lt`/`$lte` with a string or number, `$in` of strings, numbers, booleans;
 * - everything else ($or, $ne, $regex, $elemMatch, object values, unindexed paths) stays with mingo.
 * Each pushed condition selects a superset of what MongoDB matches on that path, and every row is
 * re-checked (local-match.ts), so results keep MongoDB semantics whatever is pushed. A range is
 * kept inside its operand's type bracket (closeTypeBrackets).
 *
 * The plan is `exact` when every condition of the filter was pushed and SQLite answers each one
 * as MongoDB does: the path has held no booleans or objects (json_extract makes booleans 1/0 and
 * objects text; `mixedOrder` in the catalog) and no boolean operand was compared. Then SQL alone
 * decides the matches: counts are counted and windows are cut (LIMIT/OFFSET) by SQLite.
 *
 * Sort is pushed when every sort key is `_id` or an indexed path that has held only null,
 * numbers and strings: there SQLite's order (NULL < numbers < text) is MongoDB's. Keys pinned by
 * an equality are dropped from ORDER BY so an index on (pinned, sorted) is walked without a temp
 * B-tree. When the sort is pushed, rows stream in order and reading stops at skip + limit.
 */
export interface QueryPlan {
  /** SQL condition, '1' when nothing was pushed. */
  where: string;
  params: Array<string | number>;
  /** '' or an ORDER BY clause. */
  orderBy: string;
  /** Rows arrive in the requested order: stream and stop at the limit, no sorting in memory. */
  sortedInSql: boolean;
  /** Paths whose conditions went to SQL (for explain). */
  pushedPaths: string[];
  /** SQL decides the matches by itself: no row needs re-checking. */
  exact: boolean;
}

interface Pushdown {
  catalog: Catalog;
  indexed: ReadonlySet<string>;
  clauses: string[];
  params: Array<string | number>;
  pinned: Set<string>;
  pushedPaths: Set<string>;
  exact: boolean;
  /** Per path, which ends of a type bracket its ranges bound, e.g. 'number>' for `$gt: 5`. */
  rangeEnds: Map<string, Set<string>>;
}

// Module functions rather than closures: planning runs on every call of the store.
function canPush(out: Pushdown, path: string): boolean {
  return path === '_id' || (out.indexed.has(path) && !out.catalog.paths[path]?.multikey);
}

/** The path holds only null, numbers and strings, where SQLite compares and orders as MongoDB does. */
function isTyped(out: Pushdown, path: string): boolean {
  return canPush(out, path) && !out.catalog.paths[path]?.mixedOrder;
}

export function planQuery(filter: Filter, sort: SortSpec | undefined, catalog: Catalog): QueryPlan {
  const pushdown: Pushdown = {
    catalog, indexed: indexedPaths(catalog), clauses: [], params: [], pinned: new Set(), pushedPaths: new Set(), exact: true, rangeEnds: new Map(),
  };
  collect(filter, pushdown);
  closeTypeBrackets(pushdown);

  const sortKeys = sort ? Object.entries(sort) : [];
  const sortedInSql = sortKeys.every(([path]) => isTyped(pushdown, path));
  const orderTerms = sortedInSql
    ? sortKeys.filter(([path]) => !pushdown.pinned.has(path)).map(([path, direction]) => `${valueExpression(path)} ${direction === 1 ? 'ASC' : 'DESC'}`)
    : [];
  return {
    where: pushdown.clauses.length > 0 ? pushdown.clauses.join(' AND ') : '1',
    params: pushdown.params,
    orderBy: orderTerms.length > 0 ? `ORDER BY ${orderTerms.join(', ')}` : '',
    sortedInSql,
    pushedPaths: [...pushdown.pushedPaths],
    exact: pushdown.exact,
  };
}

function collect(filter: Filter, out: Pushdown): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and') {
      for (const clause of value as Filter[]) collect(clause, out);
    } else if (!key.startsWith('$') && canPush(out, key)) {
      const conditions = isOperatorObject(value) ? Object.entries(value) : [['$eq', value] as const];
      for (const [operator, operand] of conditions) {
        const pushed = pushOperator(key, operator, operand, out);
        if (pushed !== 'exact' || !isTyped(out, key)) out.exact = false;
      }
    } else {
      out.exact = false;
    }
  }
}

function addClause(out: Pushdown, path: string, clause: string, ...params: Array<string | number>): void {
  out.clauses.push(clause);
  out.params.push(...params);
  out.pushedPaths.add(path);
}

const RANGE_SQL: Record<string, string> = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };

/** Adds the SQL for one condition; says whether SQL answers it exactly (on a typed path), only narrows, or was left out. */
function pushOperator(path: string, operator: string, operand: unknown, out: Pushdown): 'exact' | 'superset' | 'not pushed' {
  const expression = valueExpression(path);
  if (operator === '$eq') {
    if (operand === null) {
      addClause(out, path, `${expression} IS NULL`);
      return 'exact';
    }
    const param = sqlScalar(operand, true);
    if (param === undefined) return 'not pushed';
    out.pinned.add(path);
    addClause(out, path, `${expression} = ?`, param);
    return typeof operand === 'boolean' ? 'superset' : 'exact';
  }
  if (operator in RANGE_SQL) {
    const param = sqlScalar(operand, false);
    if (param === undefined) return 'not pushed';
    addClause(out, path, `${expression} ${RANGE_SQL[operator]} ?`, param);
    const ends = out.rangeEnds.get(path) ?? new Set<string>();
    ends.add(`${typeof param}${operator === '$gt' || operator === '$gte' ? '>' : '<'}`);
    out.rangeEnds.set(path, ends);
    return 'exact';
  }
  if (operator === '$in' && Array.isArray(operand)) {
    const params = operand.map((item) => sqlScalar(item, true));
    if (params.some((param) => param === undefined)) return 'not pushed';
    addClause(out, path, `${expression} IN (${params.map(() => '?').join(', ')})`, ...(params as Array<string | number>));
    return operand.some((item) => typeof item === 'boolean') ? 'superset' : 'exact';
  }
  return 'not pushed';
}

/**
 * Keeps each range inside its operand's type bracket as SQLite orders values (NULL < numbers <
 * text): a number range open upwards gets `< ''`, a text range open downwards gets `>= ''`. They
 * come last in the WHERE clause: SQLite seeks with the first bound it meets on an index column.
 */
function closeTypeBrackets(out: Pushdown): void {
  for (const [path, ends] of out.rangeEnds) {
    if (ends.has('number>') && !ends.has('number<')) out.clauses.push(`${valueExpression(path)} < ''`);
    if (ends.has('string<') && !ends.has('string>')) out.clauses.push(`${valueExpression(path)} >= ''`);
  }
}

/** json_extract yields JSON true/false as 1/0, so booleans are compared as such (mingo re-checks the type). */
function sqlScalar(value: unknown, allowBoolean: boolean): string | number | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (allowBoolean && typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}
