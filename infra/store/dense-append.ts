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
 * The highest sequence this process wrote per scope, so its next batch starts there instead of
 * reading the highest row (FerretDB answers that read by sorting the whole scope: ≈ 10 ms at a few
 * thousand rows, growing). A guess only: another process may have appended meanwhile, and then the
 * unique index refuses the batch (CONFLICT) and the highest row is read after all. The guess is
 * never too high: it is set only after this process's own insert succeeded. This process's own
 * appends to one scope take turns (`exclusive`), so they do not make each other's guesses stale.
 */
export class DenseHeads {
  private readonly heads = new Map<string, number>();
  private readonly lanes = new Map<string, Promise<unknown>>();

  constructor(private readonly capacity = 10_000) {}

  /** Runs work after the scope's earlier work in this process has settled. */
  exclusive<R>(scope: Filter, work: () => Promise<R>): Promise<R> {
    const key = JSON.stringify(scope);
    const run = (this.lanes.get(key) ?? Promise.resolve()).then(work, work);
    const settled = run.then(() => undefined, () => undefined);
    this.lanes.set(key, settled);
    void settled.then(() => {
      if (this.lanes.get(key) === settled) this.lanes.delete(key);
    });
    return run;
  }

  get(scope: Filter): number | undefined {
    return this.heads.get(JSON.stringify(scope));
  }

  set(scope: Filter, seq: number): void {
    const key = JSON.stringify(scope);
    this.heads.delete(key);
    this.heads.set(key, seq);
    if (this.heads.size > this.capacity) this.heads.delete(this.heads.keys().next().value!);
  }

  forget(scope: Filter): void {
    this.heads.delete(JSON.stringify(scope));
  }
}

/** Per store and collection: the heads this process keeps (so two stores or logs never share guesses). */
const headsByStore = new WeakMap<object, Map<string, DenseHeads>>();

export function denseHeadsOf(store: object, collection: string): DenseHeads {
  let ofStore = headsByStore.get(store);
  if (!ofStore) headsByStore.set(store, (ofStore = new Map()));
  let heads = ofStore.get(collection);
  if (!heads) ofStore.set(collection, (heads = new DenseHeads()));
  return heads;
}

/**
 * appendDense for many inputs of one scope at once, in their order: drops the ones a redelivery
 * already wrote, reads the highest sequence once and inserts the rest in one all-or-nothing
 * insertMany. When that loses a race (CONFLICT), each input is appended on its own instead.
 *
 * With `heads`, a scope this process appended to before skips both reads: a redelivered input
 * then makes the insertMany fail on its dedupe key, and the one-by-one path finds it.
 */
export interface DenseAppendMany<T extends Doc & { seq: number }, I> {
  collection: Collection<T>;
  scope: Filter;
  inputs: I[];
  make: (input: I, seq: number) => T;
  /** The inputs already in the scope (found by their dedupe keys). */
  written: (inputs: I[]) => Promise<Set<I>>;
  existing: (input: I) => Promise<T | null>;
  heads?: DenseHeads;
}

export async function appendDenseMany<T extends Doc & { seq: number }, I>(append: DenseAppendMany<T, I>): Promise<void> {
  if (append.heads) return append.heads.exclusive(append.scope, () => appendBatch(append));
  return appendBatch(append);
}

async function appendBatch<T extends Doc & { seq: number }, I>(append: DenseAppendMany<T, I>): Promise<void> {
  const { collection, scope, heads } = append;
  const known = heads?.get(scope);
  const done = known === undefined ? await append.written(append.inputs) : new Set<I>();
  const fresh = append.inputs.filter((input) => !done.has(input));
  if (fresh.length === 0) return;
  const base = known ?? (await collection.findOne(scope, { sort: { seq: -1 }, projection: { seq: 1 } }))?.seq ?? 0;
  try {
    await collection.insertMany(fresh.map((input, i) => append.make(input, base + i + 1)));
    heads?.set(scope, base + fresh.length);
    return;
  } catch (error) {
    if (!isAppError(error) || error.code !== 'CONFLICT') throw error;
  }
  heads?.forget(scope);
  for (const input of fresh) {
    await appendDense({ collection, scope, make: (seq) => append.make(input, seq), existing: () => append.existing(input) });
  }
}
