/** Cache port entry point: picks the adapter from config (REDIS_URL selects Redis, none the embedded cache). */
import type { Config } from '../../runtime/config.ts';
import { AppError } from '../../runtime/errors.ts';
import { createLocalCache } from './local.ts';
import type { CachePort } from './port.ts';

export type { CachePort } from './port.ts';

export async function createCache(config: Config): Promise<CachePort> {
  if (config.REDIS_URL) {
    throw new AppError('ENGINE_UNAVAILABLE', '[cache] REDIS_URL is set but the redis adapter is not built yet');
  }
  return createLocalCache();
}
