/** Search port factory: Elasticsearch when ELASTICSEARCH_URL is set, else the embedded FTS5 index. */
import { join } from 'node:path';
import type { Config } from '../../runtime/config.ts';
import { AppError } from '../../runtime/errors.ts';
import { LocalSearch } from './local.ts';
import type { SearchPort } from './port.ts';

export async function createSearch(config: Config): Promise<SearchPort> {
  if (config.ELASTICSEARCH_URL) {
    throw new AppError('ENGINE_UNAVAILABLE', '[search] ELASTICSEARCH_URL is set but the Elasticsearch adapter is not built yet');
  }
  return new LocalSearch({ file: join(config.CAAS_DATA_DIR, 'search.sqlite') });
}
