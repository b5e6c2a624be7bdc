import { describe, expect, it } from 'vitest';
import type { Doc } from '../../../infra/store/port.ts';
import type { StoreTestContext } from './context.ts';

export function describeWrites(context: StoreTestContext): void {
  describe('inserts', () => {
    it('inserts a document and reads it back by _id and by field', async () => {
      const users = await context.seeded('users');
      const ada = { _id: 'u1', appId: 'a1', name: 'Ada', tags: ['x'], profile: { city: 'Paris' }, score: 1.5, active: true, note: null };
      expect(await users.insertOne(ada)).toEqual(ada);
      expect(await users.findOne({ _id: 'u1' })).toEqual(ada);
      expect(await users.find({ appId: 'a1', 'profile.city': 'Paris' })).toEqual([ada]);
    });

    it('refuses a second document with the same _id with CONFLICT and keeps the first', async () => {
      const users = await context.seeded('users', [{ _id: 'u1', name: 'Ada' }]);
      await expect(users.insertOne({ _id: 'u1', name: 'Eve' })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await users.findOne({ _id: 'u1' })).toEqual({ _id: 'u1', name: 'Ada' });
    });

    it('writes all of insertMany or, on a conflict, none of it', async () => {
      const users = await context.seeded('batch', [{ _id: 'existing' }]);
      await expect(users.insertMany([{ _id: 'n1' }, { _id: 'n2' }, { _id: 'existing' }])).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(users.insertMany([{ _id: 'n3' }, { _id: 'n3' }])).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await users.find({})).toEqual([{ _id: 'existing' }]);
      await users.insertMany([{ _id: 'n1' }, { _id: 'n2' }]);
      await users.insertMany([]);
      expect(await users.countDocuments({})).toBe(3);
    });
  });

  describe('upserts', () => {
    it('builds the new document from the filter equalities, the update and $setOnInsert', async () => {
      const users = await context.seeded('upsert');
      const filter = { _id: 'u1', appId: 'a1', 'profile.kind': 'human', age: { $gt: 3 } };
      const update = { $set: { name: 'Ada' }, $inc: { logins: 1 }, $setOnInsert: { createdAt: 1000 } };
      expect(await users.updateOne(filter, update, { upsert: true })).toEqual({ matchedCount: 0, modifiedCount: 0, upsertedId: 'u1' });
      expect(await users.findOne({ _id: 'u1' })).toEqual({
        _id: 'u1', appId: 'a1', profile: { kind: 'human' }, name: 'Ada', logins: 1, createdAt: 1000,
      });
      await users.updateOne({ _id: 'u1', appId: 'a1' }, { ...update, $setOnInsert: { createdAt: 2000 } }, { upsert: true });
      expect(await users.findOne({ _id: 'u1' })).toMatchObject({ logins: 2, createdAt: 1000 });
      expect(await users.countDocuments({})).toBe(1);
    });

    it('gives an upserted document a string _id when the filter names none', async () => {
      const users = await context.seeded('upsert-id');
      const result = await users.updateOne({ email: 'ada@example.com' }, { $set: { name: 'Ada' } }, { upsert: true });
      expect(typeof result.upsertedId).toBe('string');
      expect(await users.findOne({ email: 'ada@example.com' })).toEqual({ _id: result.upsertedId, email: 'ada@example.com', name: 'Ada' });
    });

    it('returns the inserted document from findOneAndUpdate (null when asked for "before")', async () => {
      const docs = await context.seeded('fou-upsert');
      expect(await docs.findOneAndUpdate({ _id: 'a' }, { $set: { v: 1 } }, { upsert: true })).toEqual({ _id: 'a', v: 1 });
      expect(await docs.findOneAndUpdate({ _id: 'b' }, { $set: { v: 2 } }, { upsert: true, returnDocument: 'before' })).toBeNull();
      expect(await docs.findOne({ _id: 'b' })).toEqual({ _id: 'b', v: 2 });
    });
  });

  describe('replaceOne', () => {
    it('replaces the whole document and keeps its _id', async () => {
      const docs = await context.seeded<Doc>('replace', [{ _id: 'r', a: 1, b: 2 }]);
      expect(await docs.replaceOne({ a: 1 }, { _id: 'r', c: 3 })).toEqual({ matchedCount: 1, modifiedCount: 1, upsertedId: null });
      expect(await docs.findOne({ _id: 'r' })).toEqual({ _id: 'r', c: 3 });
      expect(await docs.replaceOne({ a: 1 }, { _id: 'r', d: 4 })).toEqual({ matchedCount: 0, modifiedCount: 0, upsertedId: null });
    });

    it('inserts the replacement when upserting and nothing matches', async () => {
      const docs = await context.seeded('replace-upsert');
      expect(await docs.replaceOne({ _id: 'r' }, { _id: 'r', c: 3 }, { upsert: true })).toEqual({ matchedCount: 0, modifiedCount: 0, upsertedId: 'r' });
      expect(await docs.replaceOne({ _id: 'r' }, { _id: 'r', c: 4 }, { upsert: true })).toEqual({ matchedCount: 1, modifiedCount: 1, upsertedId: null });
      expect(await docs.find({})).toEqual([{ _id: 'r', c: 4 }]);
    });

    it('refuses to change _id or to carry update operators', async () => {
      const docs = await context.seeded('replace-bad', [{ _id: 'r', a: 1 }]);
      await expect(docs.replaceOne({ _id: 'r' }, { _id: 'other', a: 2 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(docs.replaceOne({ _id: 'r' }, { _id: 'r', $set: { a: 2 } } as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      expect(await docs.find({})).toEqual([{ _id: 'r', a: 1 }]);
    });
  });

  describe('deletes and collections', () => {
    it('deletes one match with deleteOne and every match with deleteMany', async () => {
      const docs = await context.seeded('delete', [
        { _id: '1', k: 'a' }, { _id: '2', k: 'a' }, { _id: '3', k: 'a' }, { _id: '4', k: 'b' },
      ]);
      expect(await docs.deleteOne({ k: 'a' })).toBe(1);
      expect(await docs.countDocuments({ k: 'a' })).toBe(2);
      expect(await docs.deleteMany({ k: 'a' })).toBe(2);
      expect(await docs.deleteMany({ k: 'a' })).toBe(0);
      expect(await docs.deleteOne({ _id: 'nope' })).toBe(0);
      expect(await docs.find({})).toEqual([{ _id: '4', k: 'b' }]);
    });

    it('deletes the documents a $in names with deleteMany', async () => {
      const docs = await context.seeded('delete-in', [{ _id: '1', k: 'a' }, { _id: '2', k: 'b' }, { _id: '3', k: 'c' }]);
      expect(await docs.deleteMany({ k: { $in: ['a', 'c', 'zz'] } })).toBe(2);
      expect(await docs.find({})).toEqual([{ _id: '2', k: 'b' }]);
    });

    it('deletes every document of a $in listing hundreds of values', async () => {
      const docs = await context.seeded('delete-in-large', Array.from({ length: 300 }, (_, i) => ({ _id: `d${i}`, n: i })));
      expect(await docs.deleteMany({ _id: { $in: Array.from({ length: 250 }, (_, i) => `d${i * 2}`) } })).toBe(150);
      expect(await docs.countDocuments({})).toBe(150);
      expect((await docs.find({}, { sort: { n: 1 }, limit: 2 })).map((d) => d._id)).toEqual(['d1', 'd3']);
    });

    it('drops every collection under a prefix and only those', async () => {
      const prefix = context.uniqueName('tenant');
      const store = context.store();
      await store.collection(`${prefix}.users`).insertOne({ _id: 'u' });
      await store.ensureIndexes(`${prefix}.messages`, [{ keys: { seq: 1 }, unique: true }]);
      await store.collection(`${prefix}.messages`).insertOne({ _id: 'm', seq: 1 });
      const other = await context.seeded('other', [{ _id: 'keep' }]);
      await store.dropCollections(prefix);
      expect(await store.collection(`${prefix}.users`).find({})).toEqual([]);
      expect(await store.collection(`${prefix}.messages`).find({})).toEqual([]);
      await store.collection(`${prefix}.messages`).insertOne({ _id: 'm2', seq: 1 });
      expect(await other.find({})).toEqual([{ _id: 'keep' }]);
    });

    it('answers ping', async () => {
      await expect(context.store().ping()).resolves.toBeUndefined();
    });
  });
}
