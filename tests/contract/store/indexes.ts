import { describe, expect, it } from 'vitest';
import type { Doc, IndexSpec } from '../../../infra/store/port.ts';
import { ids, requireCapability, type StoreTestContext } from './context.ts';

export function describeIndexes(context: StoreTestContext): void {
  const indexed = async (label: string, specs: IndexSpec[], docs: Doc[] = []) => {
    const name = context.uniqueName(label);
    await context.store().ensureIndexes(name, specs);
    const collection = context.store().collection(name);
    if (docs.length > 0) await collection.insertMany(docs);
    return collection;
  };

  describe('unique indexes', () => {
    it('refuse a duplicate insert with CONFLICT and write nothing', async () => {
      const users = await indexed('uniq-insert', [{ keys: { email: 1 }, unique: true }], [{ _id: 'a', email: 'x@y.z' }]);
      await expect(users.insertOne({ _id: 'b', email: 'x@y.z' })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await users.findOne({ _id: 'b' })).toBeNull();
    });

    it('settle concurrent inserts one by one: each duplicate is refused with CONFLICT, every other document lands', async () => {
      const users = await indexed('uniq-concurrent', [{ keys: { email: 1 }, unique: true }], [{ _id: 'taken', email: 'taken@x' }]);
      const outcomes = await Promise.allSettled([
        users.insertOne({ _id: 'c1', email: 'c1@x' }),
        users.insertOne({ _id: 'taken', email: 'other@x' }), // duplicate _id
        users.insertOne({ _id: 'c2', email: 'taken@x' }), // duplicate email
        users.insertOne({ _id: 'c3', email: 'c3@x' }),
        users.insertOne({ _id: 'c4', email: 'c1@x' }), // duplicates the first insert of this round
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'rejected']);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'CONFLICT' });
      }
      expect(await users.find({}, { sort: { _id: 1 } })).toEqual([
        { _id: 'c1', email: 'c1@x' }, { _id: 'c3', email: 'c3@x' }, { _id: 'taken', email: 'taken@x' },
      ]);
    });

    it('refuse an update or a findOneAndUpdate that would duplicate a key, leaving the document unchanged', async () => {
      const users = await indexed('uniq-update', [{ keys: { email: 1 }, unique: true }], [
        { _id: 'a', email: 'a@x' }, { _id: 'b', email: 'b@x' },
      ]);
      await expect(users.updateOne({ _id: 'b' }, { $set: { email: 'a@x' } })).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(users.findOneAndUpdate({ _id: 'b' }, { $set: { email: 'a@x' } })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await users.find({}, { sort: { _id: 1 } })).toEqual([{ _id: 'a', email: 'a@x' }, { _id: 'b', email: 'b@x' }]);
    });

    it('refuse an updateMany that would duplicate a key, leaving every document unchanged', async (test) => {
      requireCapability(test, context.store(), 'transactions');
      const users = await indexed('uniq-update-many', [{ keys: { email: 1 }, unique: true }], [
        { _id: 'a', email: 'a@x' }, { _id: 'b', email: 'b@x' },
      ]);
      await expect(users.updateMany({}, { $set: { email: 'same@x' } })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await users.find({}, { sort: { _id: 1 } })).toEqual([{ _id: 'a', email: 'a@x' }, { _id: 'b', email: 'b@x' }]);
    });

    it('refuse an upsert that would insert a duplicate key', async () => {
      const users = await indexed('uniq-upsert', [{ keys: { email: 1 }, unique: true }], [{ _id: 'a', email: 'a@x' }]);
      await expect(users.updateOne({ _id: 'new' }, { $set: { email: 'a@x' } }, { upsert: true })).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(users.replaceOne({ _id: 'new' }, { _id: 'new', email: 'a@x' }, { upsert: true })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await users.findOne({ _id: 'new' })).toBeNull();
    });

    it('enforce compound keys as a whole', async () => {
      const users = await indexed('uniq-compound', [{ keys: { appId: 1, email: 1 }, unique: true }], [{ _id: '1', appId: 'a1', email: 'x' }]);
      await users.insertOne({ _id: '2', appId: 'a2', email: 'x' });
      await users.insertOne({ _id: '3', appId: 'a1', email: 'y' });
      await expect(users.insertOne({ _id: '4', appId: 'a1', email: 'x' })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await users.countDocuments({})).toBe(3);
    });

    it('with a partialFilterExpression, enforce uniqueness only among matching documents', async (test) => {
      requireCapability(test, context.store(), 'partialIndexes');
      const handles = await indexed('uniq-partial', [
        { keys: { handle: 1 }, unique: true, partialFilterExpression: { status: 'active' } },
      ]);
      await handles.insertMany([{ _id: '1', handle: 'ada', status: 'deleted' }, { _id: '2', handle: 'ada', status: 'deleted' }]);
      await handles.insertOne({ _id: '3', handle: 'ada', status: 'active' });
      await expect(handles.insertOne({ _id: '4', handle: 'ada', status: 'active' })).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(handles.updateOne({ _id: '1' }, { $set: { status: 'active' } })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await handles.countDocuments({ status: 'active' })).toBe(1);
    });

    it('treat a missing key as null, as MongoDB does; $exists in the partial filter lets it be absent', async (test) => {
      requireCapability(test, context.store(), 'partialIndexes');
      const strict = await indexed('uniq-missing', [{ keys: { handle: 1 }, unique: true }], [{ _id: '1' }]);
      await expect(strict.insertOne({ _id: '2' })).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(strict.insertOne({ _id: '3', handle: null })).rejects.toMatchObject({ code: 'CONFLICT' });
      const optional = await indexed('uniq-optional', [
        { keys: { handle: 1 }, unique: true, partialFilterExpression: { handle: { $exists: true } } },
      ], [{ _id: '1' }, { _id: '2' }, { _id: '3', handle: 'ada' }]);
      await expect(optional.insertOne({ _id: '4', handle: 'ada' })).rejects.toMatchObject({ code: 'CONFLICT' });
    });

    it('compare keys by type as well as value', async () => {
      const values = await indexed('uniq-types', [{ keys: { v: 1 }, unique: true }], [
        { _id: '1', v: 1 }, { _id: '2', v: '1' }, { _id: '3', v: true },
      ]);
      await expect(values.insertOne({ _id: '4', v: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await values.countDocuments({})).toBe(3);
    });

    it('cannot be created over existing duplicates, and then leave the collection as it was', async () => {
      const name = context.uniqueName('uniq-late');
      const users = context.store().collection(name);
      await users.insertMany([{ _id: '1', email: 'x' }, { _id: '2', email: 'x' }]);
      await expect(context.store().ensureIndexes(name, [{ keys: { email: 1 }, unique: true }])).rejects.toMatchObject({ code: 'CONFLICT' });
      await users.insertOne({ _id: '3', email: 'x' });
      expect(await users.countDocuments({ email: 'x' })).toBe(3);
    });
  });

  describe('ensureIndexes', () => {
    it('is idempotent for the same specs', async () => {
      const name = context.uniqueName('idem');
      const specs: IndexSpec[] = [{ keys: { email: 1 }, unique: true }, { name: 'by_time', keys: { appId: 1, createdAt: -1 } }];
      await context.store().ensureIndexes(name, specs);
      await context.store().ensureIndexes(name, specs);
      const users = context.store().collection(name);
      await users.insertOne({ _id: '1', email: 'x', appId: 'a', createdAt: 1 });
      await context.store().ensureIndexes(name, specs);
      await expect(users.insertOne({ _id: '2', email: 'x' })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await users.find({ appId: 'a' }, { sort: { createdAt: -1 } })).toHaveLength(1);
    });

    it('refuses another spec under an existing name with CONFLICT', async () => {
      const name = context.uniqueName('clash');
      await context.store().ensureIndexes(name, [{ name: 'by_email', keys: { email: 1 } }]);
      await expect(context.store().ensureIndexes(name, [{ name: 'by_email', keys: { email: 1 }, unique: true }]))
        .rejects.toMatchObject({ code: 'CONFLICT' });
    });
  });

  describe('indexed queries', () => {
    it('pages a conversation by sequence: 50 before 300, newest first', async () => {
      const messages = await indexed('messages', [{ keys: { conv: 1, seq: 1 }, unique: true }]);
      const docs = Array.from({ length: 500 }, (_, i) => ({ _id: `m${i + 1}`, conv: 'c1', seq: i + 1, text: `hello ${i + 1}` }));
      await messages.insertMany([...docs, ...docs.slice(0, 100).map((d) => ({ ...d, _id: `o${d.seq}`, conv: 'c2' }))]);
      const page = await messages.find({ conv: 'c1', seq: { $lt: 300 } }, { sort: { seq: -1 }, limit: 50 });
      expect(page.map((d) => d.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 299 - i));
      const after = await messages.find({ conv: 'c2', seq: { $gt: 95 } }, { sort: { seq: 1 }, limit: 50 });
      expect(after.map((d) => d._id)).toEqual(['o96', 'o97', 'o98', 'o99', 'o100']);
    });

    it('still matches array elements on an indexed field', async () => {
      const rooms = await indexed('rooms', [{ keys: { appId: 1, members: 1 } }], [
        { _id: 'r1', appId: 'a', members: ['u1', 'u2'] }, { _id: 'r2', appId: 'a', members: ['u3'] },
        { _id: 'r3', appId: 'b', members: 'u2' },
      ]);
      expect(ids(await rooms.find({ appId: 'a', members: 'u2' }))).toEqual(['r1']);
      expect(ids(await rooms.find({ members: { $in: ['u2', 'u3'] } }))).toEqual(['r1', 'r2', 'r3']);
      expect(ids(await rooms.find({ members: 'u2' }, { sort: { members: 1 } }))).toEqual(['r1', 'r3']);
    });
  });
}
