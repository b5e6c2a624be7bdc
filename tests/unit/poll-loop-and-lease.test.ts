import { describe, expect, it } from 'vitest';
import { cacheLease } from '../../infra/cache/lease.ts';
import { createLocalCache } from '../../infra/cache/local.ts';
import { startPollLoop } from '../../workers/poll-loop.ts';

describe('startPollLoop', () => {
  it('runs one pass at a time: asking during a pass gets exactly one more pass after it', async () => {
    let passes = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const loop = startPollLoop({
      intervalMs: 3_600_000,
      pass: async () => {
        passes += 1;
        if (passes === 1) await gate;
        return 1;
      },
      onError: () => undefined,
    });
    const first = loop.run();
    const second = loop.run();
    release();
    expect(await first).toBe(2);
    expect(await second).toBe(2);
    expect(passes).toBe(2);
    await loop.stop();
  });

  it('reports a failed pass and keeps serving later runs', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const loop = startPollLoop({
      intervalMs: 3_600_000,
      pass: async () => {
        if (fail) throw new Error('engine down');
        return 3;
      },
      onError: (error) => errors.push(error),
    });
    await expect(loop.run()).rejects.toThrow('engine down');
    fail = false;
    expect(await loop.run()).toBe(3);
    await loop.stop();
    expect(errors.length).toBeGreaterThan(0);
  });
});

describe('cacheLease', () => {
  it('has one holder at a time, renews its own, and only the holder releases it', async () => {
    const cache = createLocalCache();
    const a = cacheLease(cache, 'lease:x', 60_000);
    const b = cacheLease(cache, 'lease:x', 60_000);
    expect(await a.hold()).toBe('acquired');
    expect(await b.hold()).toBeNull();
    expect(await a.hold()).toBe('renewed');
    await b.release();
    expect(await b.hold()).toBeNull();
    await a.release();
    await b.acquire(1_000);
    expect(await a.hold()).toBeNull();
    await expect(a.acquire(30)).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await cache.close();
  });
});
