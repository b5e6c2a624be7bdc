import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElasticsearchSearch } from '../../infra/search/elasticsearch.ts';
import { createSearch } from '../../infra/search/index.ts';
import type { SearchPort } from '../../infra/search/port.ts';
import { loadConfig } from '../../runtime/config.ts';
import { searchContract } from '../contract/search.contract.ts';

/** The search contract on the Elasticsearch cluster named by ELASTICSEARCH_URL. */
const config = loadConfig();

beforeAll(async () => {
  const probe = new ElasticsearchSearch({ node: config.ELASTICSEARCH_URL as string });
  console.log(`search contract on Elasticsearch ${await probe.serverVersion()} at ${config.ELASTICSEARCH_URL}`);
  await probe.close();
});

searchContract(() => createSearch(config));

describe('Elasticsearch search adapter', () => {
  let search: SearchPort;
  const created: string[] = [];

  beforeAll(async () => {
    search = await createSearch(config);
  });

  afterAll(async () => {
    for (const index of created) await search.dropIndex(index);
    await search.close();
  });

  async function freshIndex(): Promise<string> {
    const index = `es-adapter-${randomUUID().slice(0, 8)}`;
    await search.ensureIndex(index);
    created.push(index);
    return index;
  }

  it('refuses writes to an index that was never ensured, without creating it', async () => {
    const missing = `es-missing-${randomUUID().slice(0, 8)}`;
    await expect(search.upsert(missing, [{ id: 'm1', text: 'lost', fields: {} }])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(search.delete(missing, 'm1', 3)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(search.query(missing, { text: 'lost' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('keeps values of different JSON types apart, even in one field across documents', async () => {
    const index = await freshIndex();
    await search.upsert(index, [
      { id: 'number', text: 'typed value', fields: { v: 1, 'v.sub': 'x' } },
      { id: 'string', text: 'typed value', fields: { v: '1' } },
      { id: 'boolean', text: 'typed value', fields: { v: true } },
    ]);
    await search.refresh(index);
    const ids = async (filter: Record<string, unknown>) =>
      (await search.query(index, { text: 'typed', filter: filter as never })).hits.map((hit) => hit.id).sort();
    expect(await ids({ v: 1 })).toEqual(['number']);
    expect(await ids({ v: '1' })).toEqual(['string']);
    expect(await ids({ v: true })).toEqual(['boolean']);
    expect(await ids({ v: { gte: 0 } })).toEqual(['number']);
    expect(await ids({ 'v.sub': 'x' })).toEqual(['number']);
  });

  it('starts without the cluster and reports it unreachable on use, naming the adapter', async () => {
    const offline = await createSearch({ ...config, ELASTICSEARCH_URL: 'http://127.0.0.1:1' });
    await expect(offline.ping()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: expect.stringMatching(/^\[search:elasticsearch\]/) });
    await expect(offline.ensureIndex('anything')).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await offline.close();
  });
});
