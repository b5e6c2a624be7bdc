import { Context } from 'mingo/core';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import { Query } from 'mingo/query';
import { update } from 'mingo/updater';
import type { Doc, Filter, SortSpec, Update } from './port.ts';

/**
 * mingo for the embedded store, entered through its sub-modules. The package root hands every
 * `new Query` and `update` a copy of all its operator tables (several hundred expression,
 * pipeline and accumulator operators), which made that copying the store's main CPU cost. The
 * store's filter, projection and update subset needs only the query and projection operators,
 * and mingo's updater brings its own, so the copies here are a few dozen entries.
 */
const OPTIONS = {
  context: Context.init({ query: queryOperators, projection: projectionOperators }),
  scriptEnabled: false,
} as const;

export function mingoQuery(filter: Filter): Query {
  return new Query(filter, OPTIONS);
}

/** MongoDB's sort order (type brackets, arrays by their extreme element), then the skip/limit window. */
export function sortWindow<T extends Doc>(docs: T[], sort: SortSpec, skip: number, limit: number): T[] {
  const sorted = new Query({}, OPTIONS).find<T>(docs).sort(sort).skip(skip);
  return Number.isFinite(limit) ? sorted.limit(limit).all() : sorted.all();
}

export function project<T extends Doc>(docs: T[], projection: Record<string, 0 | 1>): T[] {
  return new Query({}, OPTIONS).find<T>(docs, projection as never).all();
}

/** Applies update operators in place; values are deep-copied into the document. Throws mingo's errors. */
export function mingoUpdate(doc: Partial<Doc>, modifier: Update): void {
  update(doc, modifier as never, undefined, undefined, { cloneMode: 'deep' });
}
