import { describe, expect, it } from 'vitest';
import type { Doc, Filter, IndexSpec } from '../../../infra/store/port.ts';
import { ids, requireCapability, type Needs, type StoreTestContext } from './context.ts';

const FRUITS: Doc[] = [
  { _id: 'a', n: 1, s: 'apple', tags: ['x', 'y'], nested: { k: 1 }, items: [{ q: 1, w: 'a' }, { q: 5, w: 'b' }], flag: true },
  { _id: 'b', n: 5, s: 'banana', tags: ['y'], nested: { k: 2 }, items: [{ q: 2, w: 'a' }], flag: false },
  { _id: 'c', n: 10, s: 'Cherry', tags: [], nested: { k: 3 }, items: [], opt: null },
  { _id: 'd', n: '7', s: 'date', tags: ['x', 'y', 'z'], opt: 'set' },
];

/** Every documented filter operator, with the ids MongoDB returns for it over FRUITS (and the capability it needs, if any). */
const OPERATOR_CASES: Array<[string, Filter, string[], Needs?]> = [
  ['equality', { s: 'banana' }, ['b']],
  ['dotted path into an object', { 'nested.k': 2 }, ['b']],
  ['dotted path into an array of objects', { 'items.w': 'b' }, ['a']],
  ['equality matches an array element', { tags: 'x' }, ['a', 'd']],
  ['equality with a boolean', { flag: false }, ['b']],
  ['null matches null and missing', { opt: null }, ['a', 'b', 'c']],
  ['$eq', { n: { $eq: 5 } }, ['b']],
  ['$ne', { n: { $ne: 5 } }, ['a', 'c', 'd']],
  ['$gt stays within the number type', { n: { $gt: 1 } }, ['b', 'c']],
  ['$gte', { n: { $gte: 5 } }, ['b', 'c']],
  ['$lt', { n: { $lt: 10 } }, ['a', 'b']],
  ['$lte', { n: { $lte: 1 } }, ['a']],
  ['$gt on strings', { s: { $gt: 'b' } }, ['b', 'd']],
  ['$gt and $lt together', { n: { $gt: 1, $lt: 10 } }, ['b']],
  ['$in', { s: { $in: ['apple', 'date', 'nope'] } }, ['a', 'd']],
  ['$in on an array field', { tags: { $in: ['z'] } }, ['d']],
  ['$in naming two elements of one array finds that document once', { tags: { $in: ['x', 'y'] } }, ['a', 'b', 'd']],
  ['$in beside other conditions', { _id: { $in: ['a', 'b', 'd'] }, tags: 'y', n: { $lt: 6 } }, ['a', 'b']],
  ['$in with an empty list', { s: { $in: [] } }, []],
  ['$nin', { s: { $nin: ['apple', 'date'] } }, ['b', 'c']],
  ['$exists: true (null counts)', { opt: { $exists: true } }, ['c', 'd']],
  ['$exists: false', { opt: { $exists: false } }, ['a', 'b']],
  ['$and', { $and: [{ n: { $gt: 1 } }, { n: { $lt: 10 } }] }, ['b']],
  ['$or', { $or: [{ s: 'apple' }, { n: 10 }] }, ['a', 'c']],
  ['$nor', { $nor: [{ s: 'apple' }, { n: 10 }] }, ['b', 'd']],
  ['$not (type mismatches match)', { n: { $not: { $gt: 1 } } }, ['a', 'd']],
  ['$elemMatch on one element', { items: { $elemMatch: { q: { $gt: 1 }, w: 'a' } } }, ['b'], 'completeOperators'],
  ['$size', { tags: { $size: 2 } }, ['a']],
  ['$all', { tags: { $all: ['x', 'y'] } }, ['a', 'd']],
  ['$regex with $options', { s: { $regex: '^c', $options: 'i' } }, ['c']],
  ['RegExp value', { s: /an/ }, ['b']],
  ['_id $in', { _id: { $in: ['a', 'c', 'zz'] } }, ['a', 'c']],
  ['_id range', { _id: { $gte: 'b', $lt: 'd' } }, ['b', 'c']],
];

const FRUIT_INDEXES: IndexSpec[] = [
  { keys: { n: 1 } }, { keys: { s: 1 } }, { keys: { tags: 1 } }, { keys: { opt: 1 } },
  { keys: { flag: 1 } }, { keys: { 'nested.k': 1 } }, { keys: { 'items.w': 1 } },
];

export function describeQueries(context: StoreTestContext): void {
  // Declaring indexes must never change what a query returns, only how fast.
  describe.each([
    ['without indexes', [] as IndexSpec[]],
    ['with indexes on the queried paths', FRUIT_INDEXES],
  ])('filters %s', (_label, indexes) => {
    it.for(OPERATOR_CASES)('%s', async ([, filter, expected, needs], test) => {
      requireCapability(test, context.store(), needs);
      const name = context.uniqueName('fruits');
      if (indexes.length > 0) await context.store().ensureIndexes(name, indexes);
      const fruits = context.store().collection(name);
      await fruits.insertMany(FRUITS);
      expect(ids(await fruits.find(filter))).toEqual(expected);
      expect(await fruits.countDocuments(filter)).toBe(expected.length);
    });
  });

  describe('reads', () => {
    it('finds by _id and returns the stored document unchanged; a miss is null', async () => {
      const fruits = await context.seeded('fruits', FRUITS);
      expect(await fruits.findOne({ _id: 'a' })).toEqual(FRUITS[0]);
      expect(await fruits.findOne({ _id: 'nope' })).toBeNull();
    });

    it('reads an absent collection as empty', async () => {
      const ghost = context.store().collection(context.uniqueName('ghost'));
      expect(await ghost.find({})).toEqual([]);
      expect(await ghost.findOne({ _id: 'x' })).toBeNull();
      expect(await ghost.countDocuments({})).toBe(0);
    });

    it('sorts ascending and descending on several keys', async () => {
      const rows = await context.seeded('sorted', [
        { _id: '1', group: 'b', rank: 1 }, { _id: '2', group: 'a', rank: 1 },
        { _id: '3', group: 'b', rank: 3 }, { _id: '4', group: 'a', rank: 2 },
      ]);
      expect((await rows.find({}, { sort: { group: 1, rank: -1 } })).map((d) => d._id)).toEqual(['4', '2', '3', '1']);
      expect((await rows.find({}, { sort: { group: -1, rank: 1 } })).map((d) => d._id)).toEqual(['1', '3', '2', '4']);
    });

    it.each([
      ['without an index', false],
      ['on an indexed field', true],
    ])('sorts mixed types in MongoDB order (null/missing, numbers, strings, objects, booleans) %s', async (_label, indexed) => {
      const name = context.uniqueName('mixed');
      if (indexed) await context.store().ensureIndexes(name, [{ keys: { v: 1 } }]);
      const rows = context.store().collection(name);
      await rows.insertMany([
        { _id: 'bool', v: true }, { _id: 'str', v: 'x' }, { _id: 'num', v: 2 },
        { _id: 'obj', v: { o: 1 } }, { _id: 'null', v: null }, { _id: 'missing' }, { _id: 'neg', v: -1 },
      ]);
      const ascending = (await rows.find({}, { sort: { v: 1 } })).map((d) => d._id);
      expect(ascending.slice(0, 2).sort()).toEqual(['missing', 'null']);
      expect(ascending.slice(2)).toEqual(['neg', 'num', 'str', 'obj', 'bool']);
      const descending = (await rows.find({}, { sort: { v: -1 }, limit: 3 })).map((d) => d._id);
      expect(descending).toEqual(['bool', 'obj', 'str']);
    });

    it('applies skip and limit after sorting; limit 0 means no limit', async () => {
      const rows = await context.seeded('paged', Array.from({ length: 10 }, (_, i) => ({ _id: `r${i}`, n: 9 - i })));
      expect((await rows.find({}, { sort: { n: 1 }, skip: 2, limit: 3 })).map((d) => d.n)).toEqual([2, 3, 4]);
      expect(await rows.find({}, { sort: { n: 1 }, limit: 0 })).toHaveLength(10);
      expect(await rows.find({}, { skip: 20 })).toEqual([]);
      expect((await rows.findOne({}, { sort: { n: -1 }, skip: 1 }))?.n).toBe(8);
    });

    it('limits a $in query to matching documents', async () => {
      const rows = await context.seeded('limited', Array.from({ length: 10 }, (_, i) => ({ _id: `r${i}`, k: `k${i % 5}` })));
      const found = await rows.find({ k: { $in: ['k1', 'k2', 'k3'] } }, { limit: 4 });
      expect(found).toHaveLength(4);
      expect(found.every((row) => ['k1', 'k2', 'k3'].includes(row.k as string))).toBe(true);
    });

    it('projects by inclusion and by exclusion, keeping _id unless excluded', async () => {
      const fruits = await context.seeded('fruits', FRUITS);
      expect(await fruits.findOne({ _id: 'a' }, { projection: { s: 1 } })).toEqual({ _id: 'a', s: 'apple' });
      expect(await fruits.findOne({ _id: 'a' }, { projection: { _id: 0, s: 1, 'nested.k': 1 } })).toEqual({ s: 'apple', nested: { k: 1 } });
      expect(await fruits.findOne({ _id: 'b' }, { projection: { tags: 0, items: 0, nested: 0 } })).toEqual({ _id: 'b', n: 5, s: 'banana', flag: false });
      expect(await fruits.find({ n: { $lte: 5 } }, { projection: { n: 1 }, sort: { n: -1 } })).toEqual([{ _id: 'b', n: 5 }, { _id: 'a', n: 1 }]);
      expect(await fruits.findOne({ _id: 'a' }, { projection: { _id: 1 } })).toEqual({ _id: 'a' });
    });

    it('counts all documents and matching documents', async () => {
      const fruits = await context.seeded('fruits', FRUITS);
      expect(await fruits.countDocuments({})).toBe(4);
      expect(await fruits.countDocuments({ tags: 'y' })).toBe(3);
    });
  });
}
