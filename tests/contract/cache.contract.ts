import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CachePort } from '../../infra/cache/port.ts';
import { sleep, waitFor } from '../support/wait-for.ts';

/**
 * The cache port's contract, run unchanged on every adapter (in-process, Redis). Only behaviour
 * Redis itself has is asserted; expiry is checked as presence before and absence after a wait,
 * never as a duration. Every test uses its own random key prefix so the suite can share a server.
 */
export function cacheContract(factory: () => Promise<CachePort>): void {
  describe('cache port contract', () => {
    let cache: CachePort;

    beforeAll(async () => {
      cache = await factory();
    });

    afterAll(async () => {
      await cache.close();
    });

    const prefix = () => `contract:${randomUUID().slice(0, 8)}:`;

    it('stores, overwrites and reads string values; missing keys read as null', async () => {
      const key = `${prefix()}greeting`;
      expect(await cache.get(key)).toBeNull();
      expect(await cache.set(key, 'hello')).toBe(true);
      expect(await cache.get(key)).toBe('hello');
      await cache.set(key, 'bye');
      expect(await cache.get(key)).toBe('bye');
    });

    it('keeps keys isolated by name', async () => {
      const p = prefix();
      await cache.set(`${p}a`, '1');
      await cache.set(`${p}b`, '2');
      await cache.incr(`${p}counter`, 5);
      await cache.del(`${p}a`);
      expect(await cache.get(`${p}a`)).toBeNull();
      expect(await cache.get(`${p}b`)).toBe('2');
      expect(await cache.get(`${p}counter`)).toBe('5');
    });

    it('reads several values at once in the keys\' order: missing, expired and set-holding keys as null', async () => {
      const p = prefix();
      await cache.set(`${p}a`, 'one');
      await cache.incr(`${p}n`, 3);
      await cache.setAdd(`${p}set`, 'member');
      await cache.set(`${p}gone`, 'soon', { ttlMs: 50 });
      await sleep(150);
      expect(await cache.getMany([`${p}n`, `${p}missing`, `${p}a`, `${p}set`, `${p}gone`, `${p}a`])).toEqual(['3', null, 'one', null, null, 'one']);
      expect(await cache.getMany([])).toEqual([]);
    });

    it('writes with ifAbsent only when the key does not exist', async () => {
      const key = `${prefix()}lock`;
      expect(await cache.set(key, 'first', { ifAbsent: true })).toBe(true);
      expect(await cache.set(key, 'second', { ifAbsent: true })).toBe(false);
      expect(await cache.get(key)).toBe('first');
    });

    it('lets a key with a TTL expire, and ifAbsent succeeds again afterwards', async () => {
      const key = `${prefix()}presence`;
      await cache.set(key, 'online', { ttlMs: 100 });
      expect(await cache.get(key)).toBe('online');
      expect(await cache.set(key, 'other', { ifAbsent: true })).toBe(false);
      await sleep(250);
      expect(await cache.get(key)).toBeNull();
      expect(await cache.set(key, 'again', { ifAbsent: true })).toBe(true);
    });

    it('reports TTLs with Redis PTTL semantics', async () => {
      const p = prefix();
      expect(await cache.ttl(`${p}missing`)).toBe(-2);
      await cache.set(`${p}forever`, 'x');
      expect(await cache.ttl(`${p}forever`)).toBe(-1);
      await cache.set(`${p}brief`, 'x', { ttlMs: 60_000 });
      const remaining = await cache.ttl(`${p}brief`);
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThanOrEqual(60_000);
      // A plain SET replaces the value and clears the TTL, as in Redis.
      await cache.set(`${p}brief`, 'y');
      expect(await cache.ttl(`${p}brief`)).toBe(-1);
    });

    it('sets a TTL on an existing key with expire, and refuses a missing one', async () => {
      const p = prefix();
      expect(await cache.expire(`${p}missing`, 1_000)).toBe(false);
      await cache.set(`${p}session`, 'x');
      expect(await cache.expire(`${p}session`, 100)).toBe(true);
      expect(await cache.ttl(`${p}session`)).toBeGreaterThan(0);
      await sleep(250);
      expect(await cache.get(`${p}session`)).toBeNull();
      expect(await cache.ttl(`${p}session`)).toBe(-2);
    });

    it('deletes keys and counts how many existed', async () => {
      const p = prefix();
      await cache.set(`${p}a`, '1');
      await cache.setAdd(`${p}s`, 'm');
      expect(await cache.del(`${p}a`, `${p}s`, `${p}missing`)).toBe(2);
      expect(await cache.get(`${p}a`)).toBeNull();
      expect(await cache.setMembers(`${p}s`)).toEqual([]);
      expect(await cache.del(`${p}a`)).toBe(0);
    });

    it('increments counters from zero, by any integer step', async () => {
      const key = `${prefix()}count`;
      expect(await cache.incr(key)).toBe(1);
      expect(await cache.incr(key, 10)).toBe(11);
      expect(await cache.incr(key, -3)).toBe(8);
      expect(await cache.get(key)).toBe('8');
    });

    it('increments atomically under concurrency', async () => {
      const key = `${prefix()}hits`;
      const results = await Promise.all(Array.from({ length: 50 }, () => cache.incr(key)));
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(await cache.get(key)).toBe('50');
    });

    it('applies the incr TTL only when the counter is created', async () => {
      const p = prefix();
      expect(await cache.incr(`${p}window`, 1, { ttlMs: 100 })).toBe(1);
      expect(await cache.ttl(`${p}window`)).toBeGreaterThan(0);
      await cache.set(`${p}plain`, '7');
      expect(await cache.incr(`${p}plain`, 1, { ttlMs: 100 })).toBe(8);
      expect(await cache.ttl(`${p}plain`)).toBe(-1);
      await sleep(250);
      expect(await cache.get(`${p}window`)).toBeNull();
      expect(await cache.incr(`${p}window`, 1, { ttlMs: 100 })).toBe(1);
    });

    it('raises a counter to its floor before adding, never lowering it', async () => {
      const p = prefix();
      expect(await cache.incr(`${p}fresh`, 1, { floor: 41 })).toBe(42);
      expect(await cache.incr(`${p}fresh`, 1, { floor: 10 })).toBe(43);
      await cache.set(`${p}behind`, '5');
      expect(await cache.incr(`${p}behind`, 1, { floor: 100 })).toBe(101);
      expect(await cache.get(`${p}behind`)).toBe('101');
      expect(await cache.incr(`${p}ttl`, 1, { floor: 3, ttlMs: 5_000 })).toBe(4);
      expect(await cache.ttl(`${p}ttl`)).toBeGreaterThan(0);
      await expect(cache.incr(`${p}fresh`, 1, { floor: 1.5 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });

    it('hands out every number once when writers raise the floor concurrently', async () => {
      const key = `${prefix()}seq`;
      await cache.set(key, '3');
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => cache.incr(key, 1, { floor: i % 2 === 0 ? 10 : 0 })));
      expect(new Set(results).size).toBe(40);
      expect(Math.max(...results)).toBe(50);
    });

    it('refuses to increment a value that is not an integer', async () => {
      const key = `${prefix()}name`;
      await cache.set(key, 'alice');
      await expect(cache.incr(key)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      expect(await cache.get(key)).toBe('alice');
    });

    it('adds, lists and removes set members, counting only real changes', async () => {
      const key = `${prefix()}online`;
      expect(await cache.setMembers(key)).toEqual([]);
      expect(await cache.setAdd(key, 'u1', 'u2')).toBe(2);
      expect(await cache.setAdd(key, 'u2', 'u3')).toBe(1);
      expect((await cache.setMembers(key)).sort()).toEqual(['u1', 'u2', 'u3']);
      expect(await cache.setRemove(key, 'u1', 'nobody')).toBe(1);
      expect((await cache.setMembers(key)).sort()).toEqual(['u2', 'u3']);
    });

    it('drops a set once its last member is removed', async () => {
      const key = `${prefix()}room`;
      await cache.setAdd(key, 'only');
      expect(await cache.setRemove(key, 'only')).toBe(1);
      expect(await cache.setMembers(key)).toEqual([]);
      expect(await cache.ttl(key)).toBe(-2);
    });

    it('lets a set expire', async () => {
      const key = `${prefix()}sockets`;
      await cache.setAdd(key, 's1');
      expect(await cache.expire(key, 100)).toBe(true);
      await sleep(250);
      expect(await cache.setMembers(key)).toEqual([]);
    });

    it('delivers each published message to every subscriber of the channel, in order', async () => {
      const channel = `${prefix()}fanout`;
      const first: string[] = [];
      const second: string[] = [];
      const elsewhere: string[] = [];
      const stopFirst = await cache.subscribe(channel, (message) => first.push(message));
      const stopSecond = await cache.subscribe(channel, (message) => second.push(message));
      const stopElsewhere = await cache.subscribe(`${channel}:other`, (message) => elsewhere.push(message));
      for (const message of ['m1', 'm2', 'm3']) await cache.publish(channel, message);
      await waitFor(() => first.length === 3 && second.length === 3, 10_000, 'both subscribers got 3 messages');
      expect(first).toEqual(['m1', 'm2', 'm3']);
      expect(second).toEqual(['m1', 'm2', 'm3']);
      expect(elsewhere).toEqual([]);
      await Promise.all([stopFirst(), stopSecond(), stopElsewhere()]);
    });

    it('stops delivering to a subscriber once it unsubscribed', async () => {
      const channel = `${prefix()}leave`;
      const leaver: string[] = [];
      const stayer: string[] = [];
      const unsubscribe = await cache.subscribe(channel, (message) => leaver.push(message));
      const stopStayer = await cache.subscribe(channel, (message) => stayer.push(message));
      await cache.publish(channel, 'before');
      await waitFor(() => leaver.length === 1 && stayer.length === 1, 10_000, 'first delivery');
      await unsubscribe();
      await cache.publish(channel, 'after');
      await waitFor(() => stayer.length === 2, 10_000, 'second delivery to the remaining subscriber');
      expect(leaver).toEqual(['before']);
      await stopStayer();
    });

    it('keeps delivering to other subscribers when one handler throws', async () => {
      const channel = `${prefix()}faulty`;
      const received: string[] = [];
      const stopFaulty = await cache.subscribe(channel, () => {
        throw new Error('subscriber bug');
      });
      const stopHealthy = await cache.subscribe(channel, (message) => received.push(message));
      await expect(cache.publish(channel, 'one')).resolves.toBeUndefined();
      await cache.publish(channel, 'two');
      await waitFor(() => received.length === 2, 10_000, 'healthy subscriber got both');
      expect(received).toEqual(['one', 'two']);
      await Promise.all([stopFaulty(), stopHealthy()]);
    });

    it('rate-limits: allows `limit` requests, then refuses with a retry hint', async () => {
      const key = `${prefix()}rl`;
      const rule = { limit: 3, windowMs: 60_000 };
      const verdicts = [];
      for (let i = 0; i < 3; i += 1) verdicts.push(await cache.rateLimit(key, rule));
      expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true]);
      expect(verdicts.map((v) => v.remaining)).toEqual([2, 1, 0]);
      for (const verdict of verdicts) {
        expect(verdict.limit).toBe(3);
        expect(verdict.retryAfterMs).toBe(0);
        expect(verdict.resetMs).toBeGreaterThan(0);
        expect(verdict.resetMs).toBeLessThanOrEqual(60_000);
      }
      const refused = await cache.rateLimit(key, rule);
      expect(refused.allowed).toBe(false);
      expect(refused.remaining).toBe(0);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    it('rate-limits: a refused request does not use up capacity, and capacity returns after the window', async () => {
      const key = `${prefix()}rl-window`;
      const rule = { limit: 2, windowMs: 150 };
      expect((await cache.rateLimit(key, rule)).allowed).toBe(true);
      expect((await cache.rateLimit(key, rule)).allowed).toBe(true);
      expect((await cache.rateLimit(key, rule)).allowed).toBe(false);
      expect((await cache.rateLimit(key, rule)).allowed).toBe(false);
      await sleep(400);
      const again = await cache.rateLimit(key, rule);
      expect(again.allowed).toBe(true);
      expect(again.remaining).toBe(1);
    });

    it('rate-limits: cost consumes several requests at once', async () => {
      const key = `${prefix()}rl-cost`;
      const rule = { limit: 5, windowMs: 60_000 };
      const bulk = await cache.rateLimit(key, { ...rule, cost: 4 });
      expect(bulk).toMatchObject({ allowed: true, remaining: 1 });
      expect((await cache.rateLimit(key, { ...rule, cost: 2 })).allowed).toBe(false);
      expect((await cache.rateLimit(key, rule)).allowed).toBe(true);
    });

    it('rate-limits each key independently', async () => {
      const p = prefix();
      const rule = { limit: 1, windowMs: 60_000 };
      expect((await cache.rateLimit(`${p}app-a`, rule)).allowed).toBe(true);
      expect((await cache.rateLimit(`${p}app-a`, rule)).allowed).toBe(false);
      expect((await cache.rateLimit(`${p}app-b`, rule)).allowed).toBe(true);
    });

    it('rate-limits several buckets in one step: all are charged when all allow, none when any refuses', async () => {
      const p = prefix();
      const user = { key: `${p}user`, rule: { limit: 2, windowMs: 60_000 } };
      const app = { key: `${p}app`, rule: { limit: 5, windowMs: 60_000 } };
      const first = await cache.rateLimitAll([user, app]);
      expect(first.map((v) => [v.allowed, v.limit, v.remaining])).toEqual([[true, 2, 1], [true, 5, 4]]);
      await cache.rateLimitAll([user, app]);
      const refused = await cache.rateLimitAll([user, app]);
      expect(refused[0]).toMatchObject({ allowed: false, remaining: 0 });
      expect(refused[0]!.retryAfterMs).toBeGreaterThan(0);
      // The app's bucket would have allowed it, and says so, but was not charged.
      expect(refused[1]).toMatchObject({ allowed: true, remaining: 2 });
      expect(await cache.rateLimit(app.key, app.rule)).toMatchObject({ allowed: true, remaining: 2 });
      // Refused by the second bucket: the first is not charged either.
      const other = { key: `${p}other-user`, rule: { limit: 2, windowMs: 60_000 } };
      await cache.rateLimit(app.key, { ...app.rule, cost: 2 });
      expect((await cache.rateLimitAll([other, app])).map((v) => v.allowed)).toEqual([true, false]);
      expect(await cache.rateLimit(other.key, other.rule)).toMatchObject({ allowed: true, remaining: 1 });
    });

    it('rate-limits: a check-only bucket is looked at, never charged, and refuses once others spent it', async () => {
      const p = prefix();
      const failures = { key: `${p}failures`, rule: { limit: 2, windowMs: 60_000 } };
      const requests = { key: `${p}requests`, rule: { limit: 10, windowMs: 60_000 } };
      const look = { ...failures, rule: { ...failures.rule, checkOnly: true } };
      for (let i = 0; i < 3; i += 1) expect((await cache.rateLimitAll([look, requests]))[0]).toMatchObject({ allowed: true, remaining: 2 });
      await cache.rateLimit(failures.key, failures.rule);
      await cache.rateLimit(failures.key, failures.rule);
      const [blocked, unspent] = await cache.rateLimitAll([look, requests]);
      expect(blocked).toMatchObject({ allowed: false, remaining: 0 });
      expect(blocked!.retryAfterMs).toBeGreaterThan(0);
      expect(unspent).toMatchObject({ allowed: true, remaining: 6 });
      // Three allowed looks charged `requests` three times; the refused one did not.
      expect(await cache.rateLimit(requests.key, requests.rule)).toMatchObject({ allowed: true, remaining: 6 });
    });

    it('rate-limits several buckets: none is an empty answer, one key twice is refused', async () => {
      expect(await cache.rateLimitAll([])).toEqual([]);
      const bucket = { key: `${prefix()}twice`, rule: { limit: 3, windowMs: 60_000 } };
      await expect(cache.rateLimitAll([bucket, bucket])).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      expect(await cache.rateLimit(bucket.key, bucket.rule)).toMatchObject({ allowed: true, remaining: 2 });
    });

    it('answers ping', async () => {
      await expect(cache.ping()).resolves.toBeUndefined();
    });
  });
}
