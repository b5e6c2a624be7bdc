import { isDeepStrictEqual } from 'node:util';
import { AppError } from '../../runtime/errors.ts';
import type { IndexSpec } from './port.ts';
import { isOperatorObject } from './guard.ts';

/**
 * How a declared IndexSpec becomes SQLite indexes on the collection's table:
 *
 * - an ORDER index on `json_extract(doc,'$.path')` per key (`id` for `_id`), in the declared
 *   directions. The planner's WHERE and ORDER BY use exactly these expressions, so SQLite seeks
 *   and walks it. It ignores partialFilterExpression, so every query can use it.
 * - for `unique`, a UNIQUE index on `ifnull(doc->'$.path','null')` per key, with the partial
 *   filter as its WHERE clause. `->` yields the value's JSON text, which gives MongoDB's equality
 *   for unique keys: missing equals null (two documents without the key collide), `true` differs
 *   from `1`, "1" differs from 1. SQLite itself rejects the violating write (multi-process safe).
 */
const ADAPTER = 'store:local';
const INDEX_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const INDEX_NAME = /^[A-Za-z0-9_.-]{1,120}$/;

export interface StoredIndex {
  name: string;
  keys: Array<[path: string, direction: 1 | -1]>;
  unique: boolean;
  partialFilterExpression?: Record<string, unknown>;
}

export function normalizeIndex(spec: IndexSpec): StoredIndex {
  const keys = Object.entries(spec.keys ?? {});
  if (keys.length === 0) throw bad('an index needs at least one key');
  for (const [path, direction] of keys) {
    if (!INDEX_PATH.test(path)) throw bad(`index key ${JSON.stringify(path)} must be a dotted path of identifiers`);
    if (direction !== 1 && direction !== -1) throw bad(`index direction for ${path} must be 1 or -1`);
  }
  const name = spec.name ?? keys.map(([path, direction]) => `${path}_${direction}`).join('_');
  if (!INDEX_NAME.test(name)) throw bad(`index name ${JSON.stringify(name)} must be 1-120 of letters, digits, '_', '.', '-'`);
  const index: StoredIndex = { name, keys, unique: spec.unique === true };
  if (spec.partialFilterExpression !== undefined) {
    partialWhere(spec.partialFilterExpression); // validates
    index.partialFilterExpression = spec.partialFilterExpression;
  }
  return index;
}

/** Same declaration; ensureIndexes treats it as a no-op. */
export function sameIndex(a: StoredIndex, b: StoredIndex): boolean {
  return isDeepStrictEqual(a, b);
}

/** Another name for the same keys and filter: MongoDB refuses that, and so do we. */
export function duplicatesKeys(a: StoredIndex, b: StoredIndex): boolean {
  return isDeepStrictEqual(a.keys, b.keys) && isDeepStrictEqual(a.partialFilterExpression, b.partialFilterExpression);
}

export function tableName(collection: string): string {
  return quote(`docs:${collection}`);
}

export function orderIndexName(collection: string, index: string): string {
  return `order:${collection}:${index}`;
}

export function uniqueIndexName(collection: string, index: string): string {
  return `unique:${collection}:${index}`;
}

/** SQL expression whose value the planner compares and orders by. */
export function valueExpression(path: string): string {
  return path === '_id' ? 'id' : `json_extract(doc, '$.${path}')`;
}

export function indexStatements(collection: string, index: StoredIndex): string[] {
  const table = tableName(collection);
  const orderColumns = index.keys.map(([path, direction]) => `${valueExpression(path)} ${direction === 1 ? 'ASC' : 'DESC'}`);
  const statements = [`CREATE INDEX IF NOT EXISTS ${quote(orderIndexName(collection, index.name))} ON ${table} (${orderColumns.join(', ')})`];
  if (index.unique) {
    const keyColumns = index.keys.map(([path]) => (path === '_id' ? 'id' : `ifnull(doc -> '$.${path}', 'null')`));
    const where = index.partialFilterExpression ? ` WHERE ${partialWhere(index.partialFilterExpression)}` : '';
    statements.push(`CREATE UNIQUE INDEX IF NOT EXISTS ${quote(uniqueIndexName(collection, index.name))} ON ${table} (${keyColumns.join(', ')})${where}`);
  }
  return statements;
}

/** Index DDL cannot bind parameters, so the partial filter becomes SQL literals (equality and $exists: true only). */
function partialWhere(filter: Record<string, unknown>): string {
  const clauses = Object.entries(filter).map(([path, condition]) => {
    if (!INDEX_PATH.test(path)) throw bad(`partialFilterExpression path ${JSON.stringify(path)} must be a dotted path of identifiers`);
    if (isOperatorObject(condition)) {
      const [[operator, operand] = ['', undefined], ...rest] = Object.entries(condition);
      if (rest.length === 0 && operator === '$exists' && operand === true) return `json_type(doc, '$.${path}') IS NOT NULL`;
      if (rest.length === 0 && operator === '$eq') return equalsLiteral(path, operand);
      throw bad('partialFilterExpression supports only equality and $exists: true');
    }
    return equalsLiteral(path, condition);
  });
  if (clauses.length === 0) throw bad('partialFilterExpression must name at least one field');
  return clauses.join(' AND ');
}

function equalsLiteral(path: string, value: unknown): string {
  const type = `json_type(doc, '$.${path}')`;
  if (value === null) return `json_extract(doc, '$.${path}') IS NULL`;
  if (typeof value === 'boolean') return `${type} = '${value}'`;
  if (typeof value === 'number' && Number.isFinite(value)) return `${type} IN ('integer', 'real') AND json_extract(doc, '$.${path}') = ${value}`;
  if (typeof value === 'string') return `${type} = 'text' AND json_extract(doc, '$.${path}') = '${value.replaceAll("'", "''")}'`;
  throw bad('partialFilterExpression equality needs a string, number, boolean or null');
}

export function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

function bad(message: string): AppError {
  return new AppError('BAD_REQUEST', `[${ADAPTER}] ${message}`);
}
