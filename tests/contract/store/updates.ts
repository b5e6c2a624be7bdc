import { describe, expect, it } from 'vitest';
import type { Doc, Update } from '../../../infra/store/port.ts';
import { requireCapability, type Needs, type StoreTestContext } from './context.ts';

const BASE: Doc = { _id: 'u', n: 5, name: 'Ada', list: [1, 2, 3], set: ['a'], items: [{ q: 1 }, { q: 5 }], profile: { city: 'Paris' } };

/** Each documented update operator applied to BASE, and the document MongoDB leaves (and the capability it needs, if any). */
const OPERATOR_CASES: Array<[string, Update, Doc, Needs?]> = [
  ['$set a field and a new dotted path', { $set: { name: 'Grace', 'profile.zip': '75001', 'deep.er': 1 } },
    { ...BASE, name: 'Grace', profile: { city: 'Paris', zip: '75001' }, deep: { er: 1 } }],
  ['$unset', { $unset: { name: '', 'profile.city': '', absent: '' } }, { ...omit(BASE, 'name'), profile: {} }],
  ['$inc existing, negative and missing fields', { $inc: { n: -2, fresh: 3, 'profile.visits': 1 } },
    { ...BASE, n: 3, fresh: 3, profile: { city: 'Paris', visits: 1 } }],
  ['$push one value', { $push: { list: 4, newList: 'x' } }, { ...BASE, list: [1, 2, 3, 4], newList: ['x'] }],
  ['$push with $each and $slice', { $push: { list: { $each: [4, 5], $slice: -3 } } }, { ...BASE, list: [3, 4, 5] }, 'completeOperators'],
  ['$pull a value', { $pull: { list: 2 } }, { ...BASE, list: [1, 3] }],
  ['$pull by condition', { $pull: { items: { q: { $gt: 2 } }, list: { $in: [1, 3] } } }, { ...BASE, items: [{ q: 1 }], list: [2] }, 'completeOperators'],
  ['$addToSet skips duplicates', { $addToSet: { set: 'a', list: 4 } }, { ...BASE, list: [1, 2, 3, 4] }],
  ['$addToSet with $each', { $addToSet: { set: { $each: ['a', 'b', 'b'] } } }, { ...BASE, set: ['a', 'b'] }],
  ['$min and $max', { $min: { n: 3, low: 7 }, $max: { 'profile.score': 2 } },
    { ...BASE, n: 3, low: 7, profile: { city: 'Paris', score: 2 } }],
  ['$max keeps a larger value', { $max: { n: 1 } }, BASE],
  ['$setOnInsert is ignored when the document exists', { $set: { name: 'Lin' }, $setOnInsert: { createdAt: 1 } }, { ...BASE, name: 'Lin' }],
];

export function describeUpdates(context: StoreTestContext): void {
  describe('update operators', () => {
    it.for(OPERATOR_CASES)('%s', async ([, update, expected, needs], test) => {
      requireCapability(test, context.store(), needs);
      const docs = await context.seeded('updates', [structuredClone(BASE)]);
      const result = await docs.updateOne({ _id: 'u' }, update);
      expect(await docs.findOne({ _id: 'u' })).toEqual(expected);
      expect(result).toEqual({ matchedCount: 1, modifiedCount: expected === BASE ? 0 : 1, upsertedId: null });
    });

    it('reports a match without a modification when nothing changes', async () => {
      const docs = await context.seeded('noop', [{ _id: 'x', n: 1 }]);
      expect(await docs.updateOne({ _id: 'x' }, { $set: { n: 1 } })).toEqual({ matchedCount: 1, modifiedCount: 0, upsertedId: null });
      expect(await docs.updateOne({ _id: 'missing' }, { $set: { n: 1 } })).toEqual({ matchedCount: 0, modifiedCount: 0, upsertedId: null });
      expect(await docs.countDocuments({})).toBe(1);
    });

    it('updates every match with updateMany and counts what changed', async () => {
      const docs = await context.seeded('many', [
        { _id: '1', team: 'red', score: 1 }, { _id: '2', team: 'red', score: 1 }, { _id: '3', team: 'blue', score: 1 },
        { _id: '4', team: 'red', score: 9 },
      ]);
      expect(await docs.updateMany({ team: 'red' }, { $max: { score: 5 } })).toEqual({ matchedCount: 3, modifiedCount: 2, upsertedId: null });
      expect((await docs.find({}, { sort: { _id: 1 } })).map((d) => d.score)).toEqual([5, 5, 1, 9]);
    });

    it('updates the documents a $in names with updateMany', async () => {
      const docs = await context.seeded('many-in', [
        { _id: '1', score: 1 }, { _id: '2', score: 1 }, { _id: '3', score: 1 }, { _id: '4', score: 9 },
      ]);
      expect(await docs.updateMany({ _id: { $in: ['1', '3', '4', 'nope'] } }, { $max: { score: 5 } })).toEqual({ matchedCount: 3, modifiedCount: 2, upsertedId: null });
      expect((await docs.find({}, { sort: { _id: 1 } })).map((d) => d.score)).toEqual([5, 1, 5, 9]);
    });

    it('updates every document of a $in listing hundreds of values (the outbox relay marks a batch so)', async () => {
      const docs = await context.seeded('many-in-large', Array.from({ length: 300 }, (_, i) => ({ _id: `e${i}`, published: false })));
      const ids = Array.from({ length: 250 }, (_, i) => `e${i}`);
      expect(await docs.updateMany({ _id: { $in: [...ids, 'nope'] } }, { $set: { published: true } })).toEqual({ matchedCount: 250, modifiedCount: 250, upsertedId: null });
      expect(await docs.countDocuments({ published: false })).toBe(50);
      expect(await docs.countDocuments({ published: true, _id: { $in: ['e249', 'e250'] } })).toBe(1);
    });

    it('refuses updates MongoDB refuses, leaving the document as it was', async () => {
      const docs = await context.seeded('refused', [structuredClone(BASE)]);
      const refused: Update[] = [
        { $inc: { name: 1 } },
        { $push: { n: 1 } },
        { $set: { 'n.deeper': 1 } },
        { $set: { _id: 'other' } },
        { $set: { profile: {}, 'profile.city': 'Rome' } },
        { $rename: { name: 'fullName' } },
        { name: 'replacement-style' } as unknown as Update,
        {},
      ];
      for (const update of refused) {
        await expect(docs.updateOne({ _id: 'u' }, update), JSON.stringify(update)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      }
      expect(await docs.findOne({ _id: 'u' })).toEqual(BASE);
    });
  });

  describe('findOneAndUpdate', () => {
    it('returns the document after the update by default, or before it when asked', async () => {
      const docs = await context.seeded('fou', [{ _id: 'x', n: 1 }]);
      expect(await docs.findOneAndUpdate({ _id: 'x' }, { $inc: { n: 1 } })).toEqual({ _id: 'x', n: 2 });
      expect(await docs.findOneAndUpdate({ _id: 'x' }, { $inc: { n: 1 } }, { returnDocument: 'before' })).toEqual({ _id: 'x', n: 2 });
      expect(await docs.findOne({ _id: 'x' })).toEqual({ _id: 'x', n: 3 });
    });

    it('returns null and writes nothing when nothing matches', async () => {
      const docs = await context.seeded('fou-miss', [{ _id: 'x', n: 1 }]);
      expect(await docs.findOneAndUpdate({ _id: 'y' }, { $inc: { n: 1 } })).toBeNull();
      expect(await docs.findOneAndUpdate({ n: 2 }, { $inc: { n: 1 } }, { returnDocument: 'before' })).toBeNull();
      expect(await docs.find({})).toEqual([{ _id: 'x', n: 1 }]);
    });

    it('takes the first match in the given sort order (claiming work)', async () => {
      const jobs = await context.seeded('jobs', [
        { _id: 'low', status: 'queued', priority: 1 }, { _id: 'high', status: 'queued', priority: 9 },
        { _id: 'mid', status: 'queued', priority: 5 }, { _id: 'done', status: 'done', priority: 10 },
      ]);
      const claim = () => jobs.findOneAndUpdate({ status: 'queued' }, { $set: { status: 'claimed' } }, { sort: { priority: -1 } });
      expect((await claim())?._id).toBe('high');
      expect((await claim())?._id).toBe('mid');
      expect((await claim())?._id).toBe('low');
      expect(await claim()).toBeNull();
    });

    it('keeps every one of many concurrent updates to one document, whatever fields each touches', async (test) => {
      requireCapability(test, context.store(), 'concurrentUpdatesKept');
      const docs = await context.seeded<Doc>('together', [{ _id: 'm', text: 'first', counts: {} }]);
      const returned = await Promise.all([
        docs.updateOne({ _id: 'm' }, { $set: { text: 'edited' } }),
        ...Array.from({ length: 24 }, (_, i) => docs.updateOne({ _id: 'm' }, { $set: { [`counts.e${i}`]: i } })),
        ...Array.from({ length: 8 }, (_, i) => docs.findOneAndUpdate({ _id: 'm' }, { $addToSet: { tags: `t${i}` } })),
        docs.updateMany({ _id: { $in: ['m', 'absent'] } }, { $set: { seen: true } }),
      ]);
      const counts = Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`e${i}`, i]));
      const tags = Array.from({ length: 8 }, (_, i) => `t${i}`);
      const stored = await docs.findOne({ _id: 'm' });
      // Exactly the document's own fields: whatever a store keeps to referee concurrent writes stays out of sight.
      expect(stored).toEqual({ _id: 'm', text: 'edited', counts, tags: expect.arrayContaining(tags), seen: true });
      expect(stored?.tags).toHaveLength(8);
      expect(await docs.find({ _id: 'm' })).toEqual([stored]);
      const afterAddToSet = returned.slice(25, 33) as Array<Doc | null>;
      for (const doc of afterAddToSet) expect(Object.keys(doc ?? {}).sort()).toEqual(expect.not.arrayContaining(['_rev']));
      expect(await docs.findOneAndUpdate({ _id: 'm' }, { $set: { text: 'last' } })).toEqual({ ...stored, text: 'last' });
    });

    it('gives 200 concurrent increments 200 distinct values, 1 to 200', async (test) => {
      requireCapability(test, context.store(), 'concurrentUpdatesKept');
      const counters = context.store().collection(context.uniqueName('counters'));
      const results = await Promise.all(
        Array.from({ length: 200 }, () => counters.findOneAndUpdate({ _id: 'c1' }, { $inc: { seq: 1 } }, { upsert: true })),
      );
      const values = results.map((doc) => doc?.seq as number).sort((a, b) => a - b);
      expect(values).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(await counters.findOne({ _id: 'c1' })).toEqual({ _id: 'c1', seq: 200 });
    });

    it('loses no concurrent updateOne increments', async (test) => {
      requireCapability(test, context.store(), 'concurrentUpdatesKept');
      const docs = await context.seeded('incs', [{ _id: 'x', n: 0, seen: [] }]);
      await Promise.all(Array.from({ length: 100 }, (_, i) => docs.updateOne({ _id: 'x' }, { $inc: { n: 1 }, $push: { seen: i } })));
      const doc = await docs.findOne({ _id: 'x' });
      expect(doc?.n).toBe(100);
      expect((doc?.seen as number[]).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    });
  });
}

function omit(doc: Doc, field: string): Doc {
  const { [field]: _removed, ...rest } = doc;
  return rest as Doc;
}
