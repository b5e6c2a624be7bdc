import type { Doc } from './port.ts';
import { isPlainObject } from './guard.ts';
import type { StoredIndex } from './local-indexes.ts';

/**
 * A collection's catalog row: its declared indexes and, for every indexed path, the shapes of
 * values it has ever held. The planner pushes a condition into SQL only where `json_extract`
 * agrees with MongoDB, and these flags say where it would not:
 *
 * - `multikey`: an array was met on the path. MongoDB matches array elements (`{tags: 'x'}`),
 *   json_extract sees the whole array, so nothing on that path is pushed down.
 * - `mixedOrder`: a boolean or an object was stored there. SQLite orders them among numbers and
 *   strings, MongoDB in brackets of their own, so sorts on that path are done by mingo.
 *
 * Flags are only ever raised (like MongoDB's multikey flag), inside the writing transaction, so
 * every process that shares the file sees them before it can see the document that raised them.
 */
export interface PathState {
  multikey: boolean;
  mixedOrder: boolean;
}

export interface Catalog {
  indexes: StoredIndex[];
  paths: Record<string, PathState>;
}

export function emptyCatalog(): Catalog {
  return { indexes: [], paths: {} };
}

export function indexedPaths(catalog: Catalog): Set<string> {
  return new Set(catalog.indexes.flatMap((index) => index.keys.map(([path]) => path)).filter((path) => path !== '_id'));
}

/** Raises the flags `doc` calls for; returns whether the catalog changed and must be saved. */
export function notePathShapes(catalog: Catalog, doc: Doc, paths: Iterable<string>): boolean {
  let changed = false;
  for (const path of paths) {
    const state = (catalog.paths[path] ??= { multikey: false, mixedOrder: false });
    const shape = shapeAt(doc, path);
    if (shape.multikey && !state.multikey) changed = state.multikey = true;
    if (shape.mixedOrder && !state.mixedOrder) changed = state.mixedOrder = true;
  }
  return changed;
}

function shapeAt(doc: Doc, path: string): PathState {
  let node: unknown = doc;
  for (const segment of path.split('.')) {
    if (Array.isArray(node)) return { multikey: true, mixedOrder: false };
    if (!isPlainObject(node)) return { multikey: false, mixedOrder: false };
    node = node[segment];
  }
  if (Array.isArray(node)) return { multikey: true, mixedOrder: false };
  return { multikey: false, mixedOrder: typeof node === 'boolean' || isPlainObject(node) };
}
