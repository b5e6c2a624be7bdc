import { describe, expect, it } from 'vitest';
import { STORE_LIMITS, type Filter } from '../../../infra/store/port.ts';
import type { StoreTestContext } from './context.ts';

/** Filters outside the documented subset; user input reaching a filter must never run as one. */
const REFUSED_FILTERS: Array<[string, Filter]> = [
  ['$where', { $where: 'this.admin === true' }],
  ['$expr', { $expr: { $eq: ['$a', '$b'] } }],
  ['$function inside $expr', { $expr: { $function: { body: 'return true', args: [], lang: 'js' } } }],
  ['$where nested in $and', { $and: [{ a: 1 }, { $where: 'true' }] }],
  ['$jsonSchema', { $jsonSchema: {} }],
  ['$text', { $text: { $search: 'x' } }],
  ['unknown field operator', { a: { $type: 'string' } }],
  ['$where inside $elemMatch', { items: { $elemMatch: { $where: 'true' } } }],
  ['operator object smuggled as a value', { a: { $gt: '' , $where: 'x' } }],
  ['undefined value (would widen the query)', { appId: undefined }],
  ['$or that is not an array', { $or: { a: 1 } }],
];

export function describeSafety(context: StoreTestContext): void {
  describe('operator safety', () => {
    it.each(REFUSED_FILTERS)('refuses %s with BAD_REQUEST on every read and write', async (_name, filter) => {
      const docs = await context.seeded('guarded', [{ _id: 'x', a: 1, admin: false }]);
      await expect(docs.find(filter)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(docs.countDocuments(filter)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(docs.updateMany(filter, { $set: { admin: true } })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(docs.findOneAndUpdate(filter, { $set: { admin: true } }, { upsert: true })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(docs.deleteMany(filter)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      expect(await docs.find({})).toEqual([{ _id: 'x', a: 1, admin: false }]);
    });

    it('refuses malformed sort, projection, skip and limit with BAD_REQUEST', async () => {
      const docs = await context.seeded('options', [{ _id: 'x' }]);
      await expect(docs.find({}, { sort: { a: 2 as 1 } })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(docs.find({}, { sort: { $natural: 1 } })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(docs.find({}, { projection: { a: 1, b: 0 } })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(docs.find({}, { projection: { 'a.$': 1 } })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(docs.find({}, { limit: -1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(docs.find({}, { skip: 1.5 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });
  });

  describe('limits', () => {
    it('refuses a document over the size limit with LIMIT_EXCEEDED and writes nothing', async () => {
      const docs = await context.seeded('big', [{ _id: 'small', body: '' }]);
      const body = 'x'.repeat(STORE_LIMITS.maxDocumentBytes);
      await expect(docs.insertOne({ _id: 'big', body })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
      // Counted in UTF-8 bytes: half as many two-byte characters are over the limit too.
      const wide = 'é'.repeat(STORE_LIMITS.maxDocumentBytes / 2);
      await expect(docs.insertOne({ _id: 'wide', body: wide })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
      await expect(docs.updateOne({ _id: 'small' }, { $set: { body } })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
      expect(await docs.find({})).toEqual([{ _id: 'small', body: '' }]);
    });

    it('refuses invalid collection names with BAD_REQUEST', () => {
      const tooLong = 'c'.repeat(STORE_LIMITS.maxCollectionNameLength + 1);
      for (const name of ['', 'has$dollar', 'has space', 'system.users', tooLong]) {
        expect(() => context.store().collection(name), name).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
      }
    });

    it('refuses documents that are not plain JSON with a string _id', async () => {
      const docs = await context.seeded('json-only');
      await expect(docs.insertOne({ _id: 5 } as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(docs.insertOne({ _id: '' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(docs.insertOne({ _id: 'd', at: new Date() })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(docs.insertOne({ _id: 'n', n: Number.NaN })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(docs.insertOne({ _id: 'op', nested: { $gt: 1 } })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      // The same rules hold at any depth, inside arrays too.
      const deep: Array<[string, unknown]> = [
        ['bigint', { n: 1n }],
        ['undefined-in-array', { list: [1, undefined] }],
        ['hole-in-array', { list: [1, , 3] }],
        ['infinity-in-array', { list: [[Number.POSITIVE_INFINITY]] }],
        ['date-in-array', { list: [{ at: new Date() }] }],
        ['buffer', { nested: { bytes: Buffer.from('x') } }],
        ['operator-in-array', { list: [{ $set: 1 }] }],
      ];
      for (const [_id, fields] of deep) {
        await expect(docs.insertOne({ _id, ...(fields as object) }), _id).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      }
      expect(await docs.countDocuments({})).toBe(0);
    });
  });
}
