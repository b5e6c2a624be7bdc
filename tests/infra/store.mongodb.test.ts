import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../infra/store/index.ts';
import { MongoStore } from '../../infra/store/mongodb.ts';
import type { StorePort } from '../../infra/store/port.ts';
import { loadConfig } from '../../runtime/config.ts';
import { storeContract } from '../contract/store.contract.ts';

/**
 * The store contract on the server named by MONGO_URL: FerretDB here (see infra/engines/README.md
 * for what it lacks), a MongoDB replica set in docker compose. Each run uses a database of its own.
 */
const config = { ...loadConfig(), MONGO_DB: `caas_test_${randomBytes(4).toString('hex')}` };

beforeAll(async () => {
  const probe = new MongoStore({ url: config.MONGO_URL as string, dbName: config.MONGO_DB });
  const server = await probe.connect();
  const engine = server.ferretdbVersion ? `FerretDB ${server.ferretdbVersion} (MongoDB ${server.version} wire protocol)` : `MongoDB ${server.version}`;
  console.log(`store contract on ${engine}${server.replicaSet ? `, replica set ${server.replicaSet}` : ''}; transactions: ${probe.capabilities.transactions}`);
  await probe.close();
});

// Pinged first, as the platform's startup does, so capabilities reflect the server, not a guess.
storeContract(async () => {
  const store = await createStore(config);
  await store.ping();
  return store;
});

describe('MongoDB store adapter', () => {
  let store: StorePort;

  beforeAll(async () => {
    store = await createStore(config);
  });

  afterAll(async () => {
    await store.dropCollections('adapter_');
    await store.close();
  });

  it('reads transactions from the server (none on FerretDB, yes on a replica set) and finds FerretDB\'s update guard', async () => {
    const probe = new MongoStore({ url: config.MONGO_URL as string, dbName: config.MONGO_DB });
    const server = await probe.connect();
    expect(probe.name).toBe('mongodb');
    expect(probe.capabilities.transactions).toBe(!server.ferretdbVersion && server.replicaSet !== undefined);
    // The CI engines give FerretDB's PostgreSQL the update guard (infra/engines/lib/ferretdb-update-guard.sql), and the adapter finds it.
    expect(probe.capabilities.concurrentUpdatesKept).not.toBe(false);
    await probe.close();
  });

  it('keeps string ids and plain JSON values through a round trip', async () => {
    const docs = store.collection(`adapter_json_${randomBytes(3).toString('hex')}`);
    const doc = { _id: 'd1', big: 1_700_000_000_000, small: 3, ratio: 0.25, nested: { list: [1, 'two', null, { deep: true }] } };
    await docs.insertOne(doc);
    expect(await docs.findOne({ _id: 'd1' })).toEqual(doc);
    const upserted = await docs.updateOne({ kind: 'generated' }, { $set: { n: 1 } }, { upsert: true });
    expect(upserted.upsertedId).toMatch(/^[0-9a-f]{24}$/);
  });

  it('answers a burst of as many updates at once as the driver has connections, and every later call', async () => {
    // FerretDB v1 keeps the connection an update read from while it takes a second one from its
    // PostgreSQL pool to write: with a pool of 64 (the CI engines' old setting) such a burst took
    // every connection, no update could write, and FerretDB answered nothing again until restarted
    // (infra/engines/lib/mongodb.sh sizes the pool). The driver opens connections only as load asks
    // for them, a few at a time; a long busy spell fills its pool (100 by default), as minPoolSize
    // and rounds of concurrent reads do here.
    const count = 100;
    const busy = await createStore({ ...config, MONGO_URL: withOption(config.MONGO_URL as string, `minPoolSize=${count}`) });
    const docs = busy.collection<{ _id: string; k: number; n: number }>(`adapter_burst_${randomBytes(3).toString('hex')}`);
    await docs.insertMany(Array.from({ length: count }, (_, k) => ({ _id: `d${k}`, k, n: 0 })));
    for (let round = 0; round < 15; round++) await Promise.all(Array.from({ length: count }, (_, k) => docs.findOne({ k })));
    const updated = await Promise.all(Array.from({ length: count }, (_, k) => docs.updateOne({ k }, { $inc: { n: 1 } })));
    expect(updated.every((result) => result.modifiedCount === 1)).toBe(true);
    expect(await docs.countDocuments({ n: 1 })).toBe(count);
    await busy.close();
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('starts without the server and reports it unreachable on use, naming the adapter', async () => {
    const offline = await createStore({ ...config, MONGO_URL: 'mongodb://127.0.0.1:1/' });
    await expect(offline.ping()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: expect.stringMatching(/^\[store:mongodb\]/) });
    await offline.close();
  });
});

/** A connection string with one more option (a list of hosts, as a replica set's, is no WHATWG URL). */
function withOption(url: string, option: string): string {
  if (url.includes('?')) return `${url}&${option}`;
  return /^mongodb(\+srv)?:\/\/[^/]+\//.test(url) ? `${url}?${option}` : `${url}/?${option}`;
}
