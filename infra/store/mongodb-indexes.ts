import { isDeepStrictEqual } from 'node:util';
import type { Document, IndexDescription } from 'mongodb';
import { AppError } from '../../runtime/errors.ts';
import type { StoreGuard } from './guard.ts';
import type { IndexSpec } from './port.ts';

/**
 * Port index specs as MongoDB index descriptions, and which of them still need creating.
 *
 * Paths and partial filters go through the shared StoreGuard. Every index gets its name (MongoDB's
 * own default form `field_1_other_-1` when the spec has none) so it can be compared with what the
 * server lists: the same spec again is a no-op; another spec under an existing name, or the same
 * keys under another name, is CONFLICT, as on MongoDB and the embedded store. The comparison is
 * done here rather than left to the server because FerretDB silently keeps the old index instead.
 */
const INDEX_NAME = /^[A-Za-z0-9_.-]{1,120}$/;

export interface WantedIndex {
  name: string;
  key: Record<string, 1 | -1>;
  unique: boolean;
  partialFilterExpression?: Document;
}

export function wantedIndexes(validate: StoreGuard, specs: IndexSpec[]): WantedIndex[] {
  if (!Array.isArray(specs)) throw validate.bad('ensureIndexes needs an array of index specs');
  return specs.map((spec) => {
    const keys = Object.entries(spec.keys ?? {});
    if (keys.length === 0) throw validate.bad('an index needs at least one key');
    for (const [path, direction] of keys) {
      validate.fieldPath(path);
      if (direction !== 1 && direction !== -1) throw validate.bad(`index direction for ${path} must be 1 or -1`);
    }
    const name = spec.name ?? keys.map(([path, direction]) => `${path}_${direction}`).join('_');
    if (!INDEX_NAME.test(name)) throw validate.bad(`index name ${JSON.stringify(name)} must be 1-120 of letters, digits, '_', '.', '-'`);
    if (spec.partialFilterExpression !== undefined) validate.filter(spec.partialFilterExpression);
    return {
      name,
      key: spec.keys,
      unique: spec.unique === true,
      ...(spec.partialFilterExpression !== undefined ? { partialFilterExpression: spec.partialFilterExpression } : {}),
    };
  });
}

/** What listIndexes reports, reduced to what a spec declares. */
function declared(index: Document): Omit<WantedIndex, 'name'> {
  return {
    key: index.key as Record<string, 1 | -1>,
    unique: index.unique === true,
    ...(index.partialFilterExpression !== undefined ? { partialFilterExpression: index.partialFilterExpression as Document } : {}),
  };
}

const sameKeys = (a: Document, b: Document) => isDeepStrictEqual(Object.entries(a).map(([k, v]) => [k, Number(v)]), Object.entries(b).map(([k, v]) => [k, Number(v)]));

function sameSpec(wanted: WantedIndex, existing: Document): boolean {
  const other = declared(existing);
  return sameKeys(wanted.key, other.key) && wanted.unique === other.unique
    && isDeepStrictEqual(wanted.partialFilterExpression ?? null, other.partialFilterExpression ?? null);
}

/** The wanted indexes that do not exist yet; CONFLICT for one that clashes with an existing index. */
export function indexesToCreate(adapter: string, collection: string, wanted: WantedIndex[], existing: Document[]): IndexDescription[] {
  const missing: IndexDescription[] = [];
  for (const index of wanted) {
    const sameName = existing.find((other) => other.name === index.name);
    if (sameName && sameSpec(index, sameName)) continue;
    const clash = sameName ?? existing.find((other) => sameKeys(index.key, other.key as Document)
      && isDeepStrictEqual(index.partialFilterExpression ?? null, (other.partialFilterExpression as Document | undefined) ?? null));
    if (clash) throw new AppError('CONFLICT', `[${adapter}] index ${index.name} on ${collection} clashes with existing index ${String(clash.name)}`);
    missing.push({
      name: index.name,
      key: index.key,
      ...(index.unique ? { unique: true } : {}),
      ...(index.partialFilterExpression !== undefined ? { partialFilterExpression: index.partialFilterExpression } : {}),
    });
  }
  return missing;
}
