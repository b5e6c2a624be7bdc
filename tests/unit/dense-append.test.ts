import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendDenseMany, DenseHeads } from '../../infra/store/dense-append.ts';
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

  const append = (scope: string, keys: string[], heads?: DenseHeads) =>
    appendDenseMany({
      ...(heads ? { heads } : {}),
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

  it.each([
    ['without heads', () => undefined],
    ['with one heads shared by the racing batches', () => new DenseHeads()],
  ])('stays dense with every input once when batches race for the same sequence numbers (%s)', async (label, makeHeads) => {
    const scope = `c-${label.length}`;
    const heads = makeHeads();
    await append(scope, [`${scope}-first`], heads);
    const batches = Array.from({ length: 6 }, (_, b) => Array.from({ length: 5 }, (_, i) => `${scope}-${b}-${i}`));
    await Promise.all(batches.map((keys) => append(scope, keys, heads)));
    const written = (await rows.find({ scope }, { sort: { seq: 1 } })).slice(1);
    expect(written.map((row) => row.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
    expect(new Set(written.map((row) => row.key)).size).toBe(30);
    for (const keys of batches) {
      const seqs = keys.map((key) => written.find((row) => row.key === key)!.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y)); // each batch keeps its order
    }
  });

  describe('with heads (the last sequence this process wrote per scope)', () => {
    it('appends after its own last batch, and a redelivered input is still written once', async () => {
      const heads = new DenseHeads();
      await append('h', ['h1', 'h2'], heads);
      expect(heads.get({ scope: 'h' })).toBe(2);
      await append('h', ['h2', 'h3'], heads);
      expect(await log('h')).toEqual(['1:h1', '2:h2', '3:h3']);
    });

    it('recovers from a head another writer made stale: no gap, no duplicate, and the head follows', async () => {
      const heads = new DenseHeads();
      await append('s', ['s1'], heads);
      await append('s', ['s2']); // another process
      await append('s', ['s3'], heads);
      await append('s', ['s4'], heads);
      expect(await log('s')).toEqual(['1:s1', '2:s2', '3:s3', '4:s4']);
    });

    it('lets one process\'s concurrent batches take turns: the highest row is read once, no batch conflicts', async () => {
      const heads = new DenseHeads();
      const calls = { findOne: 0, insertMany: 0 };
      const counted = new Proxy(rows, {
        get(target, name, receiver) {
          if (name === 'findOne' || name === 'insertMany') calls[name] += 1;
          return Reflect.get(target, name, receiver);
        },
      });
      const batches = Array.from({ length: 5 }, (_, b) => [`t${b}a`, `t${b}b`]);
      await Promise.all(batches.map((keys) =>
        appendDenseMany({ heads, collection: counted, scope: { scope: 't' }, inputs: keys, make: (key, seq) => ({ _id: `t:${seq}`, scope: 't', seq, key }), written: async () => new Set(), existing: (key) => rows.findOne({ key }) }),
      ));
      expect(calls).toEqual({ findOne: 1, insertMany: 5 });
      expect(await log('t')).toEqual(batches.flat().map((key, i) => `${i + 1}:${key}`));
    });

    it('keeps at most its capacity of scopes, forgetting the least recently written', () => {
      const heads = new DenseHeads(2);
      heads.set({ scope: 'x' }, 1);
      heads.set({ scope: 'y' }, 1);
      heads.set({ scope: 'x' }, 2);
      heads.set({ scope: 'z' }, 1);
      expect([heads.get({ scope: 'x' }), heads.get({ scope: 'y' }), heads.get({ scope: 'z' })]).toEqual([2, undefined, 1]);
    });
  });
});
