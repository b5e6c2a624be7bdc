import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSearch } from '../../infra/search/index.ts';
import { LocalSearch } from '../../infra/search/local.ts';
import { loadConfig } from '../../runtime/config.ts';
import { searchContract } from './search.contract.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'caas-search-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

searchContract(async () => new LocalSearch({ file: join(dataDir, 'contract', 'search.sqlite') }));

describe('embedded search (local mode)', () => {
  it('keeps its index across a restart on the same data dir', async () => {
    const config = loadConfig({ CAAS_DATA_DIR: join(dataDir, 'restart') });
    const before = await createSearch(config);
    await before.ensureIndex('messages');
    await before.upsert('messages', [{ id: 'm1', version: 1, text: 'durable words', fields: { appId: 'a1' } }]);
    await before.close();

    const after = await createSearch(config);
    const page = await after.query('messages', { text: 'durable', filter: { appId: 'a1' } });
    expect(page.hits.map((hit) => hit.id)).toEqual(['m1']);
    // The version survived too: an older write is still ignored.
    await after.upsert('messages', [{ id: 'm1', version: 0, text: 'stale words', fields: {} }]);
    expect((await after.query('messages', { text: 'durable' })).hits).toHaveLength(1);
    await after.close();
  });

  it('is replaced by the Elasticsearch adapter when ELASTICSEARCH_URL is set; an unreachable cluster fails calls, not startup', async () => {
    const search = await createSearch(loadConfig({ CAAS_DATA_DIR: dataDir, ELASTICSEARCH_URL: 'http://127.0.0.1:1' }));
    expect(search.name).toBe('elasticsearch');
    await expect(search.ping()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await search.close();
  });
});
