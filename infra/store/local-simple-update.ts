import { isEqual } from 'mingo/util';
import type { Doc, Update } from './port.ts';
import { isPlainObject } from './guard.ts';

/**
 * The updates the chat API sends most ($set of fields, $inc of counters, $unset, $min/$max of
 * numbers, $setOnInsert) applied without mingo, whose updater builds a query context per call.
 * It does exactly what mingo does for them (local-update.test.ts compares the two on generated
 * cases) and declines, leaving the document untouched, whenever a case could differ or raise an
 * error: array operators, a path through an array or a non-object, `$inc` of a non-number,
 * `$min`/`$max` beyond numbers, `_id`, or a segment that names an Object.prototype member.
 * Everything is checked before anything is written, so declining never leaves a half update.
 */
const SIMPLE_OPERATORS = new Set(['$set', '$unset', '$inc', '$min', '$max', '$setOnInsert']);

interface Step {
  operator: string;
  segments: string[];
  value: unknown;
}

/** Applies `update` in place and returns true, or returns false without touching `doc`. */
export function applySimpleUpdate(doc: Partial<Doc>, update: Update, inserting: boolean): boolean {
  const steps: Step[] = [];
  const late: Step[] = []; // $setOnInsert runs after the other operators, as in the mingo path
  for (const [operator, fields] of Object.entries(update)) {
    if (!SIMPLE_OPERATORS.has(operator)) return false;
    if (operator === '$setOnInsert' && !inserting) continue;
    for (const [path, value] of Object.entries(fields)) {
      const step = { operator: operator === '$setOnInsert' ? '$set' : operator, segments: path.split('.'), value };
      if (!fits(doc, step)) return false;
      (operator === '$setOnInsert' ? late : steps).push(step);
    }
  }
  for (const step of steps) apply(doc, step);
  for (const step of late) apply(doc, step);
  return true;
}

function fits(doc: Partial<Doc>, { operator, segments, value }: Step): boolean {
  if (segments[0] === '_id' || segments.some((segment) => segment in Object.prototype)) return false;
  let node: unknown = doc;
  for (const segment of segments.slice(0, -1)) {
    node = (node as Record<string, unknown>)[segment];
    if (node === undefined) return true; // the rest of the path is created (or, for $unset, nothing happens)
    if (Array.isArray(node)) return false;
    if (!isPlainObject(node)) return operator === '$unset'; // $unset through a scalar does nothing; the others raise
  }
  const current = (node as Record<string, unknown>)[segments[segments.length - 1]!];
  switch (operator) {
    case '$inc':
      return current === undefined || typeof current === 'number';
    case '$min': case '$max':
      return typeof value === 'number' && (current === undefined || typeof current === 'number');
    default:
      return true;
  }
}

function apply(doc: Partial<Doc>, { operator, segments, value }: Step): void {
  const key = segments[segments.length - 1]!;
  let parent = doc as Record<string, unknown>;
  for (const segment of segments.slice(0, -1)) {
    let child = parent[segment];
    if (child === undefined) {
      if (operator === '$unset') return;
      child = parent[segment] = {};
    }
    if (!isPlainObject(child)) return; // only $unset gets here (fits() declined the rest)
    parent = child;
  }
  const current = parent[key];
  switch (operator) {
    case '$set':
      if (!isEqual(current, value)) parent[key] = copyJson(value);
      return;
    case '$unset':
      if (Object.hasOwn(parent, key)) delete parent[key];
      return;
    case '$inc':
      parent[key] = ((current as number | undefined) || 0) + (value as number);
      return;
    case '$min':
      if (current === undefined || (current as number) > (value as number)) parent[key] = value;
      return;
    case '$max':
      if (current === undefined || (current as number) < (value as number)) parent[key] = value;
      return;
  }
}

/** A deep copy of a JSON value, so the caller's update object is never aliased into the document. */
function copyJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyJson);
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = copyJson(value[key]);
  return copy;
}
