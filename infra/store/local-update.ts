import { AppError } from '../../runtime/errors.ts';
import type { Doc, Filter, Update } from './port.ts';
import { isOperatorObject, isPlainObject } from './guard.ts';
import { mingoUpdate } from './local-mingo.ts';
import { applySimpleUpdate } from './local-simple-update.ts';

/**
 * MongoDB update semantics for the embedded store. mingo applies the operators; this module adds
 * what mingo leaves out or does silently: $setOnInsert, the upsert seed built from the filter,
 * MongoDB's type errors ($inc on a string, $push on a non-array, a field under a scalar) and the
 * immutable `_id`.
 */
const ADAPTER = 'store:local';
const NUMERIC_TARGET = new Set(['$inc']);
const ARRAY_TARGET = new Set(['$push', '$addToSet', '$pull']);

/**
 * Applies `update` to `doc` in place. With `inserting` (an upsert's new document), $setOnInsert
 * applies too, and it may choose the `_id` when the filter did not. Common updates take the
 * mingo-free path (local-simple-update.ts); the rest go through mingo.
 */
export function applyUpdate(doc: Partial<Doc>, update: Update, inserting: boolean): void {
  const id = doc._id;
  if (!applySimpleUpdate(doc, update, inserting)) applyMingoUpdate(doc, update, inserting);
  if (id !== undefined && doc._id !== id) throw new AppError('BAD_REQUEST', `[${ADAPTER}] _id is immutable (tried to change ${id})`);
}

/** Every supported update, through mingo plus MongoDB's type errors; exported for the comparison test. */
export function applyMingoUpdate(doc: Partial<Doc>, update: Update, inserting: boolean): void {
  const { $setOnInsert, ...modifier } = update;
  assertTargetsFit(doc, modifier);
  try {
    if (Object.keys(modifier).length > 0) mingoUpdate(doc, modifier);
    if (inserting && $setOnInsert) mingoUpdate(doc, { $set: $setOnInsert });
  } catch (error) {
    throw new AppError('BAD_REQUEST', `[${ADAPTER}] ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The document an upsert starts from: the filter's equality conditions (top level and inside
 * $and, dotted paths expanded), as MongoDB builds it.
 */
export function upsertSeed(filter: Filter): Record<string, unknown> {
  const seed: Record<string, unknown> = {};
  collectEqualities(filter, seed);
  return seed;
}

function collectEqualities(filter: Filter, seed: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and') {
      for (const clause of value as Filter[]) collectEqualities(clause, seed);
    } else if (!key.startsWith('$')) {
      const equal = isOperatorObject(value) ? ('$eq' in value ? value.$eq : undefined) : value;
      if (equal !== undefined && !(equal instanceof RegExp)) setPath(seed, key, structuredClone(equal));
    }
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segments = path.split('.');
  let node = target;
  for (const segment of segments.slice(0, -1)) {
    if (!isPlainObject(node[segment])) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[segments[segments.length - 1]!] = value;
}

function assertTargetsFit(doc: Partial<Doc>, modifier: Update): void {
  for (const [operator, fields] of Object.entries(modifier)) {
    if (operator === '$unset') continue;
    for (const path of Object.keys(fields)) {
      const current = resolveForWrite(doc, path);
      if (current === undefined) continue;
      if (NUMERIC_TARGET.has(operator) && typeof current !== 'number') {
        throw typeMismatch(`cannot apply ${operator} to ${path}: it is not a number`);
      }
      if (ARRAY_TARGET.has(operator) && !Array.isArray(current)) {
        throw typeMismatch(`cannot apply ${operator} to ${path}: it is not an array`);
      }
    }
  }
}

/** The value at `path`, or undefined when absent; throws when the path runs through a scalar. */
function resolveForWrite(doc: Partial<Doc>, path: string): unknown {
  let node: unknown = doc;
  const segments = path.split('.');
  for (const [index, segment] of segments.entries()) {
    if (node === undefined) return undefined;
    if (Array.isArray(node) && /^\d+$/.test(segment)) {
      node = node[Number(segment)];
    } else if (isPlainObject(node)) {
      node = node[segment];
    } else {
      throw typeMismatch(`cannot create field '${segment}' of ${path}: ${segments.slice(0, index).join('.')} is not an object`);
    }
  }
  return node;
}

function typeMismatch(message: string): AppError {
  return new AppError('BAD_REQUEST', `[${ADAPTER}] ${message}`);
}
