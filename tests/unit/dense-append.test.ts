import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendDenseMany } from '../../infra/store/dense-append.ts';
import { LocalStore } from '../../infra/store/local.ts';
import type { Collection, Doc } from '../../infra/store/port.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

interface Row extends Doc {
  scope: string;
  seq: number;
  key: string;
}

describe('appendDenseMany: a batch appended to a dense log, once per input', () => {
  const dirs = useTempDirs();
  let store: LocalStore;
  let rows: Collection<Row>;

  beforeAll(async () => {
    store = new LocalStore({ dataDir: await dirs.make('caas-dense-') });
    await store.ensureIndexes('log', [
      { keys: { scope: 1, seq: 1 }, unique: true },
      { keys: { key: 1 }, unique: true },
    ]);
    rows = store.collection<Row>('log');
  });
  afterAll(() => store.close());

  const append = (scope: string, keys: string[]) =>
    appendDenseMany({
      collection: rows,
      scope: { scope },
      inputs: keys,
      make: (key, seq) => ({ _id: `${scope}:${seq}`, scope, seq, key }),
      written: async (inputs) => new Set((await rows.find({ key: { $in: inputs } })).map((row) => row.key)),
      existing: (key) => rows.findOne({ key }),
    });
  const log = async (scope: string) => (await rows.find({ scope }, { sort: { seq: 1 } })).map((row) => `${row.seq}:${row.key}`);

  it('appends inputs in order after the highest sequence', async () => {
    await append('a', ['a1', 'a2']);
    await append('a', ['a3']);
    expect(await log('a')).toEqual(['1:a1', '2:a2', '3:a3']);
  });

  it('skips inputs a redelivery already wrote and appends only the new ones', async () => {
    await append('b', ['b1', 'b2']);
    await append('b', ['b1', 'b2', 'b3']);
    expect(await log('b')).toEqual(['1:b1', '2:b2', '3:b3']);
  });

  it('stays dense with every input once when batches race for the same sequence numbers', async () => {
    const batches = Array.from({ length: 6 }, (_, b) => Array.from({ length: 5 }, (_, i) => `c${b}-${i}`));
    await Promise.all(batches.map((keys) => append('c', keys)));
    const written = await rows.find({ scope: 'c' }, { sort: { seq: 1 } });
    expect(written.map((row) => row.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set(written.map((row) => row.key)).size).toBe(30);
    for (const keys of batches) {
      const seqs = keys.map((key) => written.find((row) => row.key === key)!.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y)); // each batch keeps its order
    }
  });
});
