import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createStore } from '../../infra/store/index.ts';
import { createLocalStore } from '../../infra/store/local.ts';
import { loadConfig } from '../../runtime/config.ts';
import { storeContract } from './store.contract.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

const dirs = useTempDirs();
const freshDir = () => dirs.makeSync('caas-store-');
const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

storeContract(async () => createLocalStore({ dataDir: freshDir() }));

describe('embedded store (local mode)', () => {
  it('is what createStore returns when MONGO_URL is absent, in <CAAS_DATA_DIR>/store.sqlite', async () => {
    const dataDir = join(freshDir(), 'nested', 'data');
    const store = await createStore(loadConfig({ CAAS_DATA_DIR: dataDir }));
    await store.collection('users').insertOne({ _id: 'u1' });
    expect(store.name).toBe('local');
    expect(store.capabilities.transactions).toBe(true);
    expect(existsSync(join(dataDir, 'store.sqlite'))).toBe(true);
    await store.close();
  });

  it('is replaced by the MongoDB adapter when MONGO_URL is set; an unreachable server fails calls, not startup', async () => {
    const store = await createStore(loadConfig({ MONGO_URL: 'mongodb://127.0.0.1:1/' }));
    expect(store.name).toBe('mongodb');
    await expect(store.ping()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await store.close();
  });

  it('keeps documents and indexes across close and reopen', async () => {
    const dataDir = freshDir();
    const first = await createLocalStore({ dataDir });
    await first.ensureIndexes('users', [{ keys: { email: 1 }, unique: true }]);
    await first.collection('users').insertMany([{ _id: 'a', email: 'a@x' }, { _id: 'b', email: 'b@x' }]);
    await first.collection('users').updateOne({ _id: 'b' }, { $set: { name: 'Bea' } });
    await first.close();

    const reopened = await createLocalStore({ dataDir });
    const users = reopened.collection('users');
    expect(await users.find({}, { sort: { _id: 1 } })).toEqual([{ _id: 'a', email: 'a@x' }, { _id: 'b', email: 'b@x', name: 'Bea' }]);
    await expect(users.insertOne({ _id: 'c', email: 'a@x' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await reopened.close();
  });

  it('refuses every call once closed', async () => {
    const store = await createLocalStore({ dataDir: freshDir() });
    await store.close();
    await expect(store.collection('users').findOne({ _id: 'a' })).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await expect(store.ping()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
  });

  it('loses no increments between two store instances on the same file', async () => {
    const dataDir = freshDir();
    const [a, b] = [await createLocalStore({ dataDir }), await createLocalStore({ dataDir })];
    const increment = (store: typeof a) => store.collection('counters').findOneAndUpdate({ _id: 'c' }, { $inc: { seq: 1 } }, { upsert: true });
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => increment(i % 2 === 0 ? a : b)));
    expect(results.map((doc) => doc?.seq as number).sort((x, y) => x - y)).toEqual(oneToN(200));
    await Promise.all([a.close(), b.close()]);
  });

  it('sees catalog changes another instance on the same file commits (multikey flag, new index)', async () => {
    const dataDir = freshDir();
    const [a, b] = [await createLocalStore({ dataDir }), await createLocalStore({ dataDir })];
    await a.ensureIndexes('rooms', [{ keys: { members: 1 } }]);
    await a.collection('rooms').insertOne({ _id: 'r1', members: 'u1' });
    expect(await b.collection('rooms').find({ members: 'u1' })).toHaveLength(1); // b now holds the catalog
    await a.collection('rooms').insertOne({ _id: 'r2', members: ['u1', 'u2'] });
    expect((await b.collection('rooms').find({ members: 'u1' })).map((doc) => doc._id).sort()).toEqual(['r1', 'r2']);
    await a.ensureIndexes('rooms', [{ keys: { topic: 1 } }]);
    expect(b.explain('rooms', { topic: 't' }).plan.join('\n')).toMatch(/USING INDEX order:rooms:topic_1/);
    await Promise.all([a.close(), b.close()]);
  });

  it('forgets catalog changes a failed write rolled back', async () => {
    const store = await createLocalStore({ dataDir: freshDir() });
    // The collection (table and catalog row) created by this insert is rolled back with it.
    await expect(store.collection('fresh').insertOne({ _id: 'a', at: new Date() })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await store.collection('fresh').find({})).toEqual([]);
    await store.collection('fresh').insertOne({ _id: 'b' });
    expect(await store.collection('fresh').countDocuments({})).toBe(1);
    // The multikey flag raised by the first document is rolled back when the second conflicts.
    await store.ensureIndexes('rooms', [{ keys: { members: 1 } }, { keys: { code: 1 }, unique: true }]);
    await store.collection('rooms').insertOne({ _id: 'r1', members: 'u1', code: 1 });
    const batch = [{ _id: 'r2', members: ['u1'], code: 2 }, { _id: 'r3', members: 'u2', code: 1 }];
    await expect(store.collection('rooms').insertMany(batch)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(store.explain('rooms', { members: 'u1' }).pushedPaths).toEqual(['members']);
    await store.close();
  });

  it('loses no increments between two processes on the same file', async () => {
    const dataDir = freshDir();
    const worker = join(import.meta.dirname, 'store.local.increment-worker.ts');
    const run = () => promisify(execFile)(process.execPath, ['--import', 'tsx', worker, dataDir, 'counters', '100'], { timeout: 60_000 });
    const outputs = await Promise.all([run(), run()]);
    const taken = outputs.flatMap(({ stdout }) => JSON.parse(stdout) as number[]);
    expect(taken.sort((x, y) => x - y)).toEqual(oneToN(200));
  });
});

describe('embedded store group commit (concurrent calls share a transaction)', () => {
  it('keeps each call atomic alone: a failing call in a batch takes nothing else with it', async () => {
    const store = await createLocalStore({ dataDir: freshDir() });
    await store.ensureIndexes('rooms', [{ keys: { members: 1 } }, { keys: { code: 1 }, unique: true }]);
    const rooms = store.collection('rooms');
    await rooms.insertOne({ _id: 'r0', members: 'u0', code: 0 });
    const results = await Promise.allSettled([
      rooms.insertOne({ _id: 'r1', members: 'u1', code: 1 }),
      rooms.insertMany([{ _id: 'r2', members: ['u1'], code: 2 }, { _id: 'r3', code: 0 }]), // raises multikey, then conflicts
      rooms.updateOne({ _id: 'r0' }, { $inc: { code: 'x' as never } }),
      rooms.updateOne({ _id: 'r0' }, { $set: { topic: 'kept' } }),
      rooms.insertOne({ _id: 'r4', members: 'u1', code: 4 }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect((await rooms.find({}, { sort: { _id: 1 } })).map((doc) => doc._id)).toEqual(['r0', 'r1', 'r4']);
    expect(await rooms.findOne({ _id: 'r0' })).toEqual({ _id: 'r0', members: 'u0', code: 0, topic: 'kept' });
    expect(store.explain('rooms', { members: 'u1' }).pushedPaths).toEqual(['members']); // the rolled-back flag is gone
    await store.close();
  });

  it('answers a read with every write requested before it, even when not awaited yet', async () => {
    const store = await createLocalStore({ dataDir: freshDir() });
    const counters = store.collection('counters');
    const writes = [counters.insertOne({ _id: 'c', n: 1 }), counters.updateOne({ _id: 'c' }, { $inc: { n: 1 } })];
    const read = counters.findOne({ _id: 'c' });
    expect(await read).toEqual({ _id: 'c', n: 2 });
    await Promise.all(writes);
    await store.close();
  });

  it('commits the calls already made before it closes', async () => {
    const dataDir = freshDir();
    const store = await createLocalStore({ dataDir });
    const insert = store.collection('notes').insertOne({ _id: 'n1' });
    await store.close();
    await expect(insert).resolves.toEqual({ _id: 'n1' });
    await expect(store.collection('notes').insertOne({ _id: 'n2' })).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    const reopened = await createLocalStore({ dataDir });
    expect(await reopened.collection('notes').find({})).toEqual([{ _id: 'n1' }]);
    await reopened.close();
  });
});

describe('embedded store query planner', () => {
  it('answers a history page from the (conversation, seq) index without sorting', async () => {
    const store = await createLocalStore({ dataDir: freshDir() });
    await store.ensureIndexes('messages', [{ keys: { conv: 1, seq: 1 }, unique: true }]);
    await store.collection('messages').insertOne({ _id: 'm1', conv: 'c', seq: 1 });
    const explained = store.explain('messages', { conv: 'c', seq: { $lt: 300 } }, { sort: { seq: -1 } });
    expect(explained.pushedPaths.sort()).toEqual(['conv', 'seq']);
    expect(explained.sortedInSql).toBe(true);
    expect(explained.plan.join('\n')).toMatch(/SEARCH .* USING INDEX order:messages:conv_1_seq_1 \(<expr>=\? AND <expr><\?\)/);
    expect(explained.plan.join('\n')).not.toMatch(/TEMP B-TREE|SCAN/);
    await store.close();
  });

  it('scans when no index covers the filter, and stops pushing a path once it has held an array', async () => {
    const store = await createLocalStore({ dataDir: freshDir() });
    await store.ensureIndexes('rooms', [{ keys: { members: 1 } }]);
    await store.collection('rooms').insertOne({ _id: 'r1', members: 'u1', topic: 't' });
    expect(store.explain('rooms', { topic: 't' }).plan.join('\n')).toMatch(/SCAN/);
    expect(store.explain('rooms', { members: 'u1' }).pushedPaths).toEqual(['members']);
    await store.collection('rooms').insertOne({ _id: 'r2', members: ['u1', 'u2'] });
    expect(store.explain('rooms', { members: 'u1' }).pushedPaths).toEqual([]);
    expect((await store.collection('rooms').find({ members: 'u1' })).map((d) => d._id).sort()).toEqual(['r1', 'r2']);
    await store.close();
  });

  it('counts and deletes in SQL alone only where SQLite agrees with MongoDB (type brackets, booleans)', async () => {
    const store = await createLocalStore({ dataDir: freshDir() });
    await store.ensureIndexes('values', [{ keys: { v: 1 } }]);
    const values = store.collection('values');
    await values.insertMany([{ _id: 'one', v: 1 }, { _id: 'five', v: 5 }, { _id: 'x', v: 'x' }, { _id: 'a', v: 'a' }, { _id: 'null', v: null }, { _id: 'none' }]);
    expect(store.explain('values', { v: { $gt: 0 } }).exact).toBe(true);
    expect(await values.countDocuments({ v: { $gt: 0 } })).toBe(2);
    expect(await values.countDocuments({ v: { $lt: 'm' } })).toBe(1);
    expect(await values.countDocuments({ v: null })).toBe(2);
    expect(await values.find({ v: { $gte: 0 } }, { sort: { v: -1 }, skip: 1, limit: 5 })).toEqual([{ _id: 'one', v: 1 }]);
    expect(await values.deleteMany({ v: { $gte: 5 } })).toBe(1);
    await values.insertOne({ _id: 'true', v: true }); // json_extract reads true as 1
    expect(store.explain('values', { v: 1 }).exact).toBe(false);
    expect(await values.countDocuments({ v: 1 })).toBe(1);
    expect(await values.countDocuments({ v: { $gt: 0 } })).toBe(1);
    expect(await values.deleteOne({ v: { $in: [1] } })).toBe(1);
    expect((await values.find({}, { sort: { _id: 1 } })).map((doc) => doc._id)).toEqual(['a', 'none', 'null', 'true', 'x']);
    await store.close();
  });

  it('leaves sorting to mingo on a path that has held booleans', async () => {
    const store = await createLocalStore({ dataDir: freshDir() });
    await store.ensureIndexes('flags', [{ keys: { v: 1 } }]);
    await store.collection('flags').insertOne({ _id: 'n', v: 1 });
    expect(store.explain('flags', {}, { sort: { v: 1 } }).sortedInSql).toBe(true);
    await store.collection('flags').insertOne({ _id: 'b', v: true });
    expect(store.explain('flags', {}, { sort: { v: 1 } }).sortedInSql).toBe(false);
    await store.close();
  });
});
