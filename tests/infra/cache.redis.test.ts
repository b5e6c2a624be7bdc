import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gcra, gcraAll } from '../../infra/cache/gcra.ts';
import { createCache } from '../../infra/cache/index.ts';
import type { CachePort } from '../../infra/cache/port.ts';
import { createRedisCache } from '../../infra/cache/redis.ts';
import { namespacedCache } from '../../infra/namespaced.ts';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config.ts';
import { createLogger } from '../../runtime/logger.ts';
import { createReadCache } from '../../runtime/read-cache.ts';
import { cacheContract } from '../contract/cache.contract.ts';
import { sleep, waitFor } from '../support/wait-for.ts';

const config = loadConfig({ ...process.env, CAAS_LOG_LEVEL: 'silent' });
const url = config.REDIS_URL!;

cacheContract(() => createCache(config));

describe('redis cache adapter', () => {
  const nodes: CachePort[] = [];
  /** A separate adapter, as another router or realtime process would hold. */
  const node = (options: Partial<Parameters<typeof createRedisCache>[0]> = {}) => {
    const cache = createRedisCache({ url, ...options });
    nodes.push(cache);
    return cache;
  };
  const prefix = () => `redis-test:${randomUUID().slice(0, 8)}:`;

  beforeAll(async () => {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    const info = await probe.info('server');
    probe.disconnect();
    const version = /redis_version:(\S+)/.exec(info)?.[1];
    process.stdout.write(`cache contract engine: redis ${version} at ${url}\n`);
    expect(version).toMatch(/^\d+\.\d+/);
  });

  afterAll(async () => {
    await Promise.all(nodes.map((cache) => cache.close()));
  });

  it('is what createCache returns when REDIS_URL is set', async () => {
    const cache = await createCache(config);
    expect(cache.name).toBe('redis');
    await cache.close();
  });

  it('rate-limits atomically across nodes: two adapters share one budget', async () => {
    const key = `${prefix()}rl`;
    const rule = { limit: 10, windowMs: 60_000 };
    const [a, b] = [node(), node()];
    const verdicts = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).rateLimit(key, rule)));
    expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(10);
    const remaining = verdicts.filter((verdict) => verdict.allowed).map((verdict) => verdict.remaining);
    expect(remaining.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('gives the verdicts of infra/cache/gcra.ts (the embedded limiter) for a run of mixed costs', async () => {
    const cache = node();
    const key = `${prefix()}rl-costs`;
    // One request refills every two minutes, so the milliseconds this test takes cannot change a verdict.
    const rule = { limit: 5, windowMs: 600_000 };
    const now = Date.now();
    let tat: number | null = null;
    for (const cost of [2, 1, 3, 1, 0, 2, 1, 1]) {
      const expected = gcra(tat, now, { ...rule, cost });
      tat = expected.nextTat ?? tat;
      const verdict = await cache.rateLimit(key, { ...rule, cost });
      expect({ cost, allowed: verdict.allowed, remaining: verdict.remaining }).toEqual({
        cost,
        allowed: expected.verdict.allowed,
        remaining: expected.verdict.remaining,
      });
      expect(verdict.retryAfterMs > 0).toBe(!expected.verdict.allowed);
    }
  });

  it('charges several buckets all or nothing, atomically across nodes', async () => {
    const p = prefix();
    const user = { key: `${p}user`, rule: { limit: 4, windowMs: 60_000 } };
    const app = { key: `${p}app`, rule: { limit: 10, windowMs: 60_000 } };
    const [a, b] = [node(), node()];
    const verdicts = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).rateLimitAll([user, app])));
    expect(verdicts.filter(([own, shared]) => own!.allowed && shared!.allowed)).toHaveLength(4);
    // Only the four requests both buckets allowed were charged to the app's.
    expect(await a.rateLimit(app.key, app.rule)).toMatchObject({ allowed: true, remaining: 5 });
  });

  it('gives the verdicts of gcraAll (the embedded limiter) for several buckets, check-only ones among them', async () => {
    const cache = node();
    const p = prefix();
    // One request refills every two minutes, so the milliseconds this test takes cannot change a verdict.
    const rules = [
      { limit: 3, windowMs: 360_000 },
      { limit: 5, windowMs: 600_000, checkOnly: true },
      { limit: 4, windowMs: 480_000 },
    ];
    const keys = rules.map((_, i) => `${p}b${i}`);
    const now = Date.now();
    const tats: Array<number | null> = [null, null, null];
    const steps: Array<{ only: number[]; cost: number }> = [
      { only: [0, 1, 2], cost: 1 },
      { only: [2], cost: 3 },
      { only: [0, 1, 2], cost: 1 },
      { only: [1], cost: 5 },
      { only: [0, 2], cost: 1 },
      { only: [0, 1, 2], cost: 2 },
      { only: [0], cost: 1 },
    ];
    for (const { only, cost } of steps) {
      const picked = only.map((i) => ({ ...rules[i]!, cost }));
      const expected = gcraAll(only.map((i) => tats[i]!), now, picked);
      expected.nextTats.forEach((tat, j) => {
        if (tat !== null) tats[only[j]!] = tat;
      });
      const verdicts = await cache.rateLimitAll(only.map((i, j) => ({ key: keys[i]!, rule: picked[j]! })));
      expect(verdicts.map((v) => [v.allowed, v.remaining])).toEqual(expected.verdicts.map((v) => [v.allowed, v.remaining]));
    }
  });

  it('counts atomically across nodes, with the TTL set once by whoever created the counter', async () => {
    const key = `${prefix()}count`;
    const [a, b] = [node(), node()];
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).incr(key, 1, { ttlMs: 60_000 })));
    expect(new Set(results).size).toBe(40);
    expect(Math.max(...results)).toBe(40);
    expect(await a.ttl(key)).toBeGreaterThan(0);
  });

  it('fans a message out to subscribers on other nodes', async () => {
    const channel = `${prefix()}fanout`;
    const [publisher, first, second] = [node(), node(), node()];
    const got: string[][] = [[], []];
    await first.subscribe(channel, (message) => got[0]!.push(message));
    await second.subscribe(channel, (message) => got[1]!.push(message));
    for (const message of ['a', 'b', 'c']) await publisher.publish(channel, message);
    await waitFor(() => got.every((messages) => messages.length === 3), 10_000, 'both nodes got 3 messages');
    expect(got).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ]);
  });

  it('hands a throwing subscriber’s error to onHandlerError and keeps delivering', async () => {
    const errors: Array<{ error: unknown; channel: string }> = [];
    const cache = node({ onHandlerError: (error, channel) => errors.push({ error, channel }) });
    const channel = `${prefix()}faulty`;
    const received: string[] = [];
    await cache.subscribe(channel, async () => {
      throw new Error('async failure');
    });
    await cache.subscribe(channel, (message) => received.push(message));
    await cache.publish(channel, 'one');
    await waitFor(() => errors.length === 1 && received.length === 1, 10_000, 'error reported and message delivered');
    expect((errors[0]!.error as Error).message).toBe('async failure');
    expect(errors[0]!.channel).toBe(channel);
  });

  it('reports a type mismatch as BAD_REQUEST prefixed [cache:redis], keeping the Redis reply as cause', async () => {
    const cache = node();
    const key = `${prefix()}set`;
    await cache.setAdd(key, 'member');
    const failure = await cache.get(key).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^\[cache:redis\] WRONGTYPE/) });
    expect((failure as Error).cause).toMatchObject({ name: 'ReplyError' });
    await expect(cache.incr(key)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(cache.rateLimit(key, { limit: 1, windowMs: 1_000 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('reports an unreachable server as ENGINE_UNAVAILABLE naming the adapter, and refuses calls once closed', async () => {
    const cache = createRedisCache({ url: 'redis://127.0.0.1:1', policy: { retries: 0 } });
    await expect(cache.ping()).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      message: expect.stringMatching(/^\[cache:redis\] ping failed/),
    });
    await cache.close();
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
  });

  it('read caches of two processes: an unchanged row is kept past the TTL by its stamp; a lost broadcast is caught by the stamp', async () => {
    // A namespace of its own: no other test's writes move these stamps.
    const namespace = `read-cache-${randomUUID().slice(0, 8)}:`;
    const writerCache = namespacedCache(node(), namespace);
    const silent = new Proxy(writerCache, { get: (target, property) => (property === 'publish' ? async () => {} : Reflect.get(target, property)) });
    const log = createLogger(loadConfig({ CAAS_LOG_LEVEL: 'silent' }));
    const writer = createReadCache(silent, systemClock, log, { ttlMs: 300 });
    const other = createReadCache(namespacedCache(node(), namespace), systemClock, log, { ttlMs: 300 });
    let row = 'member';
    let loads = 0;
    const load = async () => ((loads += 1), row);
    try {
      expect(await other.read('member:c1:u1', load)).toBe('member');
      await sleep(700);
      expect(await other.read('member:c1:u1', load)).toBe('member');
      expect(loads).toBe(1);
      row = 'removed';
      await writer.invalidate('member:c1:u1');
      await expect.poll(() => other.read('member:c1:u1', load), { timeout: 2_000, interval: 20 }).toBe('removed');
    } finally {
      await Promise.all([writer.close(), other.close()]);
    }
  });
});
