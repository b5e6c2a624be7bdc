import { isAppError } from '../../runtime/errors.ts';
import type { Collection, Doc, Filter } from './port.ts';

/**
 * Appends a document with the next sequence number of a scope (an app's event log, a webhook's
 * delivery queue): reads the highest sequence, inserts the next one, and lets a unique index on
 * (scope, seq) arbitrate between concurrent writers. A writer only ever inserts right after the
 * highest committed row, so readers never see a gap that fills in later; the loser of a race
 * tries again. `existing` finds the row a redelivered input already wrote (its unique dedupe key),
 * so an append is idempotent.
 *
 * Needs: a unique index on the scope's fields plus `seq`, and a unique dedupe key.
 */
export interface DenseAppend<T extends Doc & { seq: number }> {
  collection: Collection<T>;
  scope: Filter;
  make: (seq: number) => T;
  existing: () => Promise<T | null>;
  maxAttempts?: number;
}

export async function appendDense<T extends Doc & { seq: number }>(append: DenseAppend<T>): Promise<T> {
  const maxAttempts = append.maxAttempts ?? 50;
  for (let attempt = 1; ; attempt++) {
    const last = await append.collection.findOne(append.scope, { sort: { seq: -1 }, projection: { seq: 1 } });
    const doc = append.make((last?.seq ?? 0) + 1);
    try {
      await append.collection.insertOne(doc);
      return doc;
    } catch (error) {
      if (!isAppError(error) || error.code !== 'CONFLICT') throw error;
      const written = await append.existing();
      if (written) return written;
      if (attempt >= maxAttempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
    }
  }
}

/**
 * appendDense for many inputs of one scope at once, in their order: drops the ones a redelivery
 * already wrote, reads the highest sequence once and inserts the rest in one all-or-nothing
 * insertMany. When that loses a race (CONFLICT), each input is appended on its own instead.
 */
export interface DenseAppendMany<T extends Doc & { seq: number }, I> {
  collection: Collection<T>;
  scope: Filter;
  inputs: I[];
  make: (input: I, seq: number) => T;
  /** The inputs already in the scope (found by their dedupe keys). */
  written: (inputs: I[]) => Promise<Set<I>>;
  existing: (input: I) => Promise<T | null>;
}

export async function appendDenseMany<T extends Doc & { seq: number }, I>(append: DenseAppendMany<T, I>): Promise<void> {
  const done = await append.written(append.inputs);
  const fresh = append.inputs.filter((input) => !done.has(input));
  if (fresh.length === 0) return;
  const last = await append.collection.findOne(append.scope, { sort: { seq: -1 }, projection: { seq: 1 } });
  const base = last?.seq ?? 0;
  try {
    await append.collection.insertMany(fresh.map((input, i) => append.make(input, base + i + 1)));
    return;
  } catch (error) {
    if (!isAppError(error) || error.code !== 'CONFLICT') throw error;
  }
  for (const input of fresh) {
    await appendDense({ collection: append.collection, scope: append.scope, make: (seq) => append.make(input, seq), existing: () => append.existing(input) });
  }
}
