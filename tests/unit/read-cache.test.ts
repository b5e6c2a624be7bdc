import { describe, expect, it } from 'vitest';
import { createLocalCache } from '../../infra/cache/local.ts';
import { createLogger } from '../../runtime/logger.ts';
import { loadConfig } from '../../runtime/config.ts';
import { createReadCache } from '../../runtime/read-cache.ts';

const log = createLogger(loadConfig({ CAAS_LOG_LEVEL: 'silent' }));

function manualClock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function counter<T>(values: T[]) {
  let calls = 0;
  return { load: async () => values[Math.min(calls++, values.length - 1)]!, calls: () => calls };
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
});
