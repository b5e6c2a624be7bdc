/** Cache port entry point: picks the adapter from config (REDIS_URL selects Redis, none the embedded cache). */
import { systemClock, type Clock } from '../../runtime/clock.ts';
import type { Config } from '../../runtime/config.ts';
import { createLogger } from '../../runtime/logger.ts';
import { createLocalCache } from './local.ts';
import type { CachePort } from './port.ts';

export type { CachePort } from './port.ts';

/**
 * The Redis adapter connects on first use, so a Redis that is down at startup does not stop the
 * process: calls fail with ENGINE_UNAVAILABLE and /readyz names the cache until it is back.
 */
export async function createCache(config: Config, clock: Clock = systemClock): Promise<CachePort> {
  if (config.REDIS_URL) {
    // Loaded only here: local mode (and a function bundle's start-up) never pays for ioredis.
    const { createRedisCache } = await import('./redis.ts');
    const log = createLogger(config, { component: 'cache:redis' });
    return createRedisCache({
      url: config.REDIS_URL,
      onConnectionError: (error) => log.warn({ err: error }, 'redis connection lost or refused; reconnecting'),
      onHandlerError: (error, channel) => log.error({ err: error, channel }, 'cache subscriber threw'),
    });
  }
  return createLocalCache({ now: () => clock.now() });
}
