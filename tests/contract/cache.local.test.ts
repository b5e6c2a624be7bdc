import { describe, expect, it } from 'vitest';
import { createCache } from '../../infra/cache/index.ts';
import { createLocalCache } from '../../infra/cache/local.ts';
import { loadConfig } from '../../runtime/config.ts';
import { cacheContract } from './cache.contract.ts';
import { waitFor } from '../support/wait-for.ts';

const subscriberErrors: unknown[] = [];

cacheContract(async () => createLocalCache({ onHandlerError: (error) => subscriberErrors.push(error) }));

describe('embedded cache (local mode)', () => {
  it('is what createCache returns when REDIS_URL is absent', async () => {
    const cache = await createCache(loadConfig({}));
    await cache.set('k', 'v');
    expect(await cache.get('k')).toBe('v');
    await cache.close();
  });

  it('is replaced by the Redis adapter when REDIS_URL is set; an unreachable server fails calls, not startup', async () => {
    const cache = await createCache(loadConfig({ REDIS_URL: 'redis://127.0.0.1:1', CAAS_LOG_LEVEL: 'silent' }));
    expect(cache.name).toBe('redis');
    await expect(cache.ping()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await cache.close();
  });

  it('reports a subscriber error (sync or async) instead of hiding it', async () => {
    const reported: Array<{ error: unknown; channel: string }> = [];
    const cache = createLocalCache({ onHandlerError: (error, channel) => reported.push({ error, channel }) });
    await cache.subscribe('jobs', () => {
      throw new Error('sync failure');
    });
    await cache.subscribe('jobs', async () => {
      throw new Error('async failure');
    });
    await cache.publish('jobs', 'x');
    await waitFor(() => reported.length === 2, 5_000, 'both errors reported');
    expect(reported.map((r) => (r.error as Error).message).sort()).toEqual(['async failure', 'sync failure']);
    expect(reported.every((r) => r.channel === 'jobs')).toBe(true);
    await cache.close();
  });

  it('expires keys on an injected clock, without waiting', async () => {
    let now = 1_000_000;
    const cache = createLocalCache({ now: () => now });
    await cache.set('presence', 'online', { ttlMs: 30_000 });
    now += 29_999;
    expect(await cache.ttl('presence')).toBe(1);
    now += 1;
    expect(await cache.get('presence')).toBeNull();
    await cache.close();
  });

  it('rejects rate-limit rules no request could satisfy', async () => {
    const cache = createLocalCache();
    await expect(cache.rateLimit('rl', { limit: 2, windowMs: 1_000, cost: 3 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(cache.rateLimit('rl', { limit: 0, windowMs: 1_000 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await cache.close();
  });

  it('refuses every call once closed', async () => {
    const cache = createLocalCache();
    await cache.close();
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await expect(cache.publish('c', 'm')).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
  });
});
