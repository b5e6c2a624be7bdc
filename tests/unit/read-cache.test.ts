import { describe, expect, it } from 'vitest';
import { createLocalCache } from '../../infra/cache/local.ts';
import type { CachePort } from '../../infra/cache/port.ts';
import { createLogger } from '../../runtime/logger.ts';
import { loadConfig } from '../../runtime/config.ts';
import { createReadCache, stampBucketOf, type ReadCacheOptions } from '../../runtime/read-cache.ts';

const log = createLogger(loadConfig({ CAAS_LOG_LEVEL: 'silent' }));

function manualClock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function counter<T>(values: T[]) {
  let calls = 0;
  return { load: async () => values[Math.min(calls++, values.length - 1)]!, calls: () => calls };
}

/**
 * One embedded cache seen by several read caches as Redis is by several processes (shared), with
 * some calls made to fail or to vanish as they can on a network: `overrides` replace those methods.
 * `backing` may be a function, to swap the cache underneath (a restart that loses every key).
 */
function sharedCache(overrides: Partial<CachePort> = {}, backing: CachePort | (() => CachePort) = createLocalCache()): CachePort {
  return new Proxy({} as CachePort, {
    get(_, property) {
      if (property === 'shared') return true;
      if (property in overrides) return overrides[property as keyof CachePort];
      const target = typeof backing === 'function' ? backing() : backing;
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A writer whose broadcasts are lost (and whose cache calls `writerOverrides` replace) and another process, sharing one cache. */
function writerAndOther(
  writerOverrides: Partial<CachePort> = {},
  options: ReadCacheOptions = { ttlMs: 1_000 },
  shared: CachePort | (() => CachePort) = createLocalCache(),
) {
  const clock = manualClock();
  const writer = createReadCache(sharedCache({ publish: async () => {}, ...writerOverrides }, shared), clock, log, options);
  const other = createReadCache(sharedCache({}, shared), clock, log, options);
  return { clock, writer, other };
}

describe('read cache', () => {
  it('serves a hit without loading again, until the entry expires', async () => {
    const clock = manualClock();
    const reads = createReadCache(createLocalCache(), clock, log, { ttlMs: 1_000 });
    const source = counter(['v1', 'v2']);
    expect(await reads.read('k', source.load)).toBe('v1');
    clock.advance(999);
    expect(await reads.read('k', source.load)).toBe('v1');
    expect(source.calls()).toBe(1);
    clock.advance(1);
    expect(await reads.read('k', source.load)).toBe('v2');
    expect(source.calls()).toBe(2);
  });

  it('loads once for concurrent misses of one key', async () => {
    const reads = createReadCache(createLocalCache(), manualClock(), log, { ttlMs: 1_000 });
    const source = counter([{ id: 1 }]);
    const [a, b, c] = await Promise.all([reads.read('k', source.load), reads.read('k', source.load), reads.read('k', source.load)]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(source.calls()).toBe(1);
  });

  it('drops an invalidated key in this process and in every other one sharing the cache', async () => {
    const shared = createLocalCache();
    const clock = manualClock();
    const here = createReadCache(shared, clock, log, { ttlMs: 60_000 });
    const there = createReadCache(shared, clock, log, { ttlMs: 60_000 });
    const hereSource = counter(['old', 'new']);
    const thereSource = counter(['old', 'new']);
    await new Promise((resolve) => setTimeout(resolve, 10)); // both subscribed (in the background)
    await here.read('user:a', hereSource.load);
    await there.read('user:a', thereSource.load);
    await here.invalidate('user:a');
    expect(await here.read('user:a', hereSource.load)).toBe('new');
    await expect.poll(() => there.read('user:a', thereSource.load)).toBe('new');
  });

  it('does not keep a value loaded while an invalidation arrived (it may predate the write)', async () => {
    const reads = createReadCache(createLocalCache(), manualClock(), log, { ttlMs: 60_000 });
    let release!: (value: string) => void;
    const slow = reads.read('k', () => new Promise<string>((resolve) => (release = resolve)));
    await reads.invalidate('k');
    release('read before the write');
    expect(await slow).toBe('read before the write');
    expect(await reads.read('k', async () => 'after the write')).toBe('after the write');
  });

  it('does not keep failures: the next read loads again', async () => {
    const reads = createReadCache(createLocalCache(), manualClock(), log, { ttlMs: 60_000 });
    await expect(reads.read('k', async () => Promise.reject(new Error('engine down')))).rejects.toThrow('engine down');
    expect(await reads.read('k', async () => 'up again')).toBe('up again');
  });

  it('with ttlMs 0 every read loads', async () => {
    const reads = createReadCache(createLocalCache(), manualClock(), log, { ttlMs: 0 });
    const source = counter(['a', 'b']);
    await reads.read('k', source.load);
    expect(await reads.read('k', source.load)).toBe('b');
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const reads = createReadCache(createLocalCache(), manualClock(), log, { ttlMs: 60_000, maxEntries: 2 });
    const source = counter(['1', '2', '3', '4']);
    await reads.read('a', source.load);
    await reads.read('b', source.load);
    await reads.read('c', source.load);
    expect(await reads.read('a', source.load)).toBe('4');
    expect(await reads.read('c', source.load)).toBe('3');
  });

  describe('with version stamps (a cache every process shares)', () => {
    it('keeps an expired entry whose stamp did not move, without loading it again', async () => {
      const clock = manualClock();
      let stampReads = 0;
      const local = createLocalCache();
      const cache = sharedCache({ getMany: (keys) => ((stampReads += 1), local.getMany(keys)) }, local);
      const reads = createReadCache(cache, clock, log, { ttlMs: 1_000 });
      const a = counter(['a1', 'a2']);
      const b = counter(['b1', 'b2']);
      await reads.read('a', a.load);
      await reads.read('b', b.load);
      const readsBefore = stampReads;
      clock.advance(5_000);
      expect(await reads.read('a', a.load)).toBe('a1');
      expect(await reads.read('b', b.load)).toBe('b1');
      expect([a.calls(), b.calls()]).toEqual([1, 1]);
      // One read of the stamps for both expired entries.
      expect(stampReads - readsBefore).toBe(1);
    });

    it('a lost broadcast: the other process sees the change within the TTL, by the stamp', async () => {
      const { clock, writer, other } = writerAndOther();
      const source = counter(['before the ban', 'after the ban']);
      expect(await other.read('member:c1:u1', source.load)).toBe('before the ban');
      await writer.invalidate('member:c1:u1');
      clock.advance(999);
      expect(await other.read('member:c1:u1', source.load)).toBe('before the ban');
      clock.advance(1);
      expect(await other.read('member:c1:u1', source.load)).toBe('after the ban');
    });

    it('a change to another key of the same bucket costs a load, a change to another bucket does not', async () => {
      const { clock, writer, other } = writerAndOther();
      const keys = Array.from({ length: 500 }, (_, i) => `k${i}`);
      const sameBucket = keys.find((key) => key !== 'k0' && stampBucketOf(key) === stampBucketOf('k0'))!;
      const otherBucket = keys.find((key) => stampBucketOf(key) !== stampBucketOf('k0'))!;
      const same = counter(['s1', 's2']);
      const elsewhere = counter(['e1', 'e2']);
      await other.read(sameBucket, same.load);
      await other.read(otherBucket, elsewhere.load);
      await writer.invalidate('k0');
      clock.advance(1_000);
      expect(await other.read(sameBucket, same.load)).toBe('s2');
      expect(await other.read(otherBucket, elsewhere.load)).toBe('e1');
    });

    it('a stamp lost with the cache\'s data (a restart without persistence) does not keep an entry loaded before the change', async () => {
      let backing = createLocalCache();
      const { clock, writer, other } = writerAndOther({}, { ttlMs: 1_000 }, () => backing);
      const source = counter(['before', 'after']);
      expect(await other.read('k', source.load)).toBe('before');
      await writer.invalidate('k');
      backing = createLocalCache(); // the cache restarts empty: the new stamp is gone
      clock.advance(1_000);
      expect(await other.read('k', source.load)).toBe('after');
    });

    it('loads again at expiry while the stamps cannot be read (the cache down)', async () => {
      const clock = manualClock();
      let down = false;
      const local = createLocalCache();
      const reads = createReadCache(sharedCache({ getMany: (keys) => (down ? Promise.reject(new Error('cache down')) : local.getMany(keys)) }, local), clock, log, { ttlMs: 1_000 });
      const source = counter(['v1', 'v2', 'v3']);
      await reads.read('k', source.load);
      down = true;
      clock.advance(1_000);
      expect(await reads.read('k', source.load)).toBe('v2');
      down = false;
      clock.advance(1_000);
      // Loaded while the stamps were unknown: loaded again once they are, and then kept.
      expect(await reads.read('k', source.load)).toBe('v3');
      clock.advance(1_000);
      expect(await reads.read('k', source.load)).toBe('v3');
    });

    it('a stamp the cache refused to the writer, with the broadcast lost too: the old row is kept for maxAgeMs at most', async () => {
      const { clock, writer, other } = writerAndOther({ set: () => Promise.reject(new Error('refused')) }, { ttlMs: 1_000, maxAgeMs: 10_000 });
      const source = counter(['old', 'new']);
      await other.read('k', source.load);
      await expect(writer.invalidate('k')).resolves.toBeUndefined();
      clock.advance(9_999);
      expect(await other.read('k', source.load)).toBe('old');
      clock.advance(1);
      expect(await other.read('k', source.load)).toBe('new');
    });

    it('an entry dropped by an invalidation while its stamps were being read is loaded, not kept', async () => {
      const clock = manualClock();
      const local = createLocalCache();
      let releaseStamps!: () => void;
      let holdStamps = false;
      const cache = sharedCache(
        { getMany: async (keys) => { if (holdStamps) await new Promise<void>((resolve) => (releaseStamps = resolve)); return local.getMany(keys); } },
        local,
      );
      const reads = createReadCache(cache, clock, log, { ttlMs: 1_000 });
      const source = counter(['old', 'new']);
      await reads.read('k', source.load);
      clock.advance(1_000);
      holdStamps = true;
      const expired = reads.read('k', source.load);
      await new Promise((resolve) => setTimeout(resolve, 0));
      await reads.invalidate('k');
      releaseStamps();
      expect(await expired).toBe('new');
    });
  });
});
