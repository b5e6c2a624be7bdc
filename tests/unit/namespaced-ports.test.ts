import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespacePorts } from '../../infra/namespaced.ts';
import { closePorts, createPorts, type Ports } from '../../infra/ports.ts';
import { loadConfig } from '../../runtime/config.ts';
import { busContract } from '../contract/bus.contract.ts';
import { cacheContract } from '../contract/cache.contract.ts';
import { storeContract } from '../contract/store.contract.ts';
import { waitFor } from '../support/wait-for.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

let dataDir: string;
let shared: Ports;
let a: Ports;
let b: Ports;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'caas-ns-'));
  shared = await createPorts(loadConfig({ CAAS_DATA_DIR: dataDir, PORT: '0' }));
  a = namespacePorts(shared, 'alpha');
  b = namespacePorts(shared, 'beta');
});
afterAll(async () => {
  await closePorts(shared);
  await rm(dataDir, { recursive: true, force: true });
});

const dirs = useTempDirs();

/** Fresh local ports seen through a namespace: the contract suites close what they are given. */
async function namespacedLocal(): Promise<Ports> {
  const dir = await dirs.make('caas-ns-contract-');
  return namespacePorts(await createPorts(loadConfig({ CAAS_DATA_DIR: dir, PORT: '0' })), 'gamma');
}

// The wrapper must not change any port's behaviour: the contract suites run through it unchanged.
storeContract(async () => (await namespacedLocal()).store);
cacheContract(async () => (await namespacedLocal()).cache);
busContract(async () => (await namespacedLocal()).bus);

describe('CAAS_NAMESPACE', () => {
  it('keeps documents, keys, topics, indexes and objects of two namespaces apart on shared engines', async () => {
    await a.store.collection('things').insertOne({ _id: 'x', owner: 'alpha' });
    expect(await b.store.collection('things').findOne({ _id: 'x' })).toBeNull();

    await a.cache.set('k', 'alpha');
    expect(await b.cache.get('k')).toBeNull();

    const seenByBeta: string[] = [];
    const seenByAlpha: string[] = [];
    const betaSub = await b.bus.subscribe({ group: 'g', topics: ['events'], handler: async (m) => void seenByBeta.push(m.value) });
    const alphaSub = await a.bus.subscribe({ group: 'g', topics: ['events'], handler: async (m) => void seenByAlpha.push(`${m.topic}:${m.value}`) });
    await a.bus.publish('events', [{ key: 'k', value: 'hello' }]);
    await waitFor(() => seenByAlpha.length === 1, 10_000, 'alpha receives its message');
    expect(seenByAlpha).toEqual(['events:hello']);
    expect(seenByBeta).toEqual([]);
    await Promise.all([alphaSub.stop(), betaSub.stop()]);

    await a.search.ensureIndex('messages');
    await a.search.upsert('messages', [{ id: 'm1', text: 'namespaced hello', fields: {} }]);
    await b.search.ensureIndex('messages');
    expect((await b.search.query('messages', { text: 'hello' })).hits).toEqual([]);
    expect((await a.search.query('messages', { text: 'hello' })).hits.map((hit) => hit.id)).toEqual(['m1']);

    await a.blob.put('app/file.txt', new TextEncoder().encode('alpha'), { contentType: 'text/plain' });
    expect(await b.blob.head('app/file.txt')).toBeNull();
    expect((await a.blob.list('app/')).map((meta) => meta.key)).toEqual(['app/file.txt']);
  });
});

it('config refuses a namespace that is not a safe name', () => {
  expect(() => loadConfig({ CAAS_NAMESPACE: 'Bad Name!' })).toThrow(/CAAS_NAMESPACE/);
});
