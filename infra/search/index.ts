/** Search port factory: Elasticsearch when ELASTICSEARCH_URL is set (reachable at startup), else the embedded FTS5 index. */
import { join } from 'node:path';
import type { Config } from '../../runtime/config.ts';
import { LocalSearch } from './local.ts';
import type { SearchPort } from './port.ts';

export async function createSearch(config: Config): Promise<SearchPort> {
  if (config.ELASTICSEARCH_URL) {
    // Loaded only here: local mode (and its start-up time) never pays for the client.
    const { createElasticsearchSearch } = await import('./elasticsearch.ts');
    return createElasticsearchSearch({ node: config.ELASTICSEARCH_URL });
  }
  return new LocalSearch({ file: join(config.CAAS_DATA_DIR, 'search.sqlite') });
}
