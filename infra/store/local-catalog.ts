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
 *
 * Catalogs are immutable values: the database caches one per collection and hands the same
 * frozen object to every operation, so a change is a new catalog (withPathShapes) that is saved.
 */
export interface PathState {
  readonly multikey: boolean;
  readonly mixedOrder: boolean;
}

export interface Catalog {
  readonly indexes: readonly StoredIndex[];
  readonly paths: Readonly<Record<string, PathState>>;
}

const UNSEEN: PathState = Object.freeze({ multikey: false, mixedOrder: false });

export function emptyCatalog(): Catalog {
  return freezeCatalog({ indexes: [], paths: {} });
}

/** Deep-freezes a catalog so a caller that mutates the shared cached copy fails loudly. */
export function freezeCatalog(catalog: Catalog): Catalog {
  for (const index of catalog.indexes) deepFreeze(index);
  for (const state of Object.values(catalog.paths)) Object.freeze(state);
  Object.freeze(catalog.indexes);
  Object.freeze(catalog.paths);
  return Object.freeze(catalog);
}

interface DerivedPaths {
  set: Set<string>;
  /** Indexed paths split into segments, for the per-write shape check. */
  segments: Array<[path: string, segments: string[]]>;
}

// Catalogs are immutable, so what is derived from one is computed once per catalog object.
const derived = new WeakMap<Catalog, DerivedPaths>();

function derivedPaths(catalog: Catalog): DerivedPaths {
  let paths = derived.get(catalog);
  if (!paths) {
    const set = new Set(catalog.indexes.flatMap((index) => index.keys.map(([path]) => path)).filter((path) => path !== '_id'));
    paths = { set, segments: [...set].map((path) => [path, path.split('.')]) };
    derived.set(catalog, paths);
  }
  return paths;
}

/** Indexed paths other than `_id`; the returned set is shared, do not modify it. */
export function indexedPaths(catalog: Catalog): ReadonlySet<string> {
  return derivedPaths(catalog).set;
}

/**
 * The catalog with the flags `doc` raises on the indexed paths (or only on `paths`), or the same
 * object when it raises none: the common case, with no copy and nothing to save.
 */
export function withPathShapes(catalog: Catalog, doc: Doc, paths?: readonly string[]): Catalog {
  let changed: Record<string, PathState> | undefined;
  const entries = paths ? paths.map((path): [string, string[]] => [path, path.split('.')]) : derivedPaths(catalog).segments;
  for (const [path, segments] of entries) {
    const state = catalog.paths[path] ?? UNSEEN;
    const shape = shapeAt(doc, segments);
    if ((shape.multikey && !state.multikey) || (shape.mixedOrder && !state.mixedOrder)) {
      changed ??= { ...catalog.paths };
      changed[path] = { multikey: shape.multikey || state.multikey, mixedOrder: shape.mixedOrder || state.mixedOrder };
    }
  }
  return changed ? { indexes: catalog.indexes, paths: changed } : catalog;
}

const ARRAY: PathState = Object.freeze({ multikey: true, mixedOrder: false });
const MIXED: PathState = Object.freeze({ multikey: false, mixedOrder: true });

function shapeAt(doc: Doc, segments: readonly string[]): PathState {
  let node: unknown = doc;
  for (const segment of segments) {
    if (Array.isArray(node)) return ARRAY;
    if (!isPlainObject(node)) return UNSEEN;
    node = node[segment];
  }
  if (Array.isArray(node)) return ARRAY;
  return typeof node === 'boolean' || isPlainObject(node) ? MIXED : UNSEEN;
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  for (const item of Object.values(value)) deepFreeze(item);
  Object.freeze(value);
}
