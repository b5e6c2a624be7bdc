import { afterEach, describe, expect, it } from 'vitest';
import { createLocalCache } from '../../infra/cache/local.ts';
import type { CachePort } from '../../infra/cache/port.ts';
import { wake } from '../../infra/cache/wake.ts';
import { waitFor } from '../support/wait-for.ts';

/** A cache whose publishes stay in flight until released, so a test can call while one is out. */
function heldCache(inner: CachePort): { cache: CachePort; sent: string[]; release: () => void } {
  const sent: string[] = [];
  const waiting: Array<() => void> = [];
  const cache: CachePort = Object.assign(Object.create(inner) as CachePort, {
    publish: (channel: string) => new Promise<void>((resolve) => waiting.push(() => (sent.push(channel), resolve()))),
  });
  return { cache, sent, release: () => waiting.splice(0).forEach((settle) => settle()) };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('wake', () => {
  const caches: CachePort[] = [];
  afterEach(async () => Promise.all(caches.splice(0).map((cache) => cache.close())));

  it('reaches subscribers on the channel', async () => {
    const cache = createLocalCache();
    caches.push(cache);
    const received: string[] = [];
    await cache.subscribe('caas:test:wake', (message) => received.push(message));
    await wake(cache, 'caas:test:wake');
    await waitFor(() => received.length === 1, 5_000, 'the wake arrived');
  });

  it('folds the calls made while one is in flight into one more, sent after it', async () => {
    const inner = createLocalCache();
    caches.push(inner);
    const { cache, sent, release } = heldCache(inner);
    const first = wake(cache, 'a');
    const during = Array.from({ length: 50 }, () => wake(cache, 'a'));
    expect(sent).toEqual([]);
    release();
    await first;
    await flush();
    // The fifty calls came after the first wake left: they need one of their own, and share it.
    expect(sent).toEqual(['a']);
    release();
    await Promise.all(during);
    expect(sent).toEqual(['a', 'a']);
  });

  it('keeps channels apart, and one failed wake does not stop the next', async () => {
    const inner = createLocalCache();
    caches.push(inner);
    let failures = 1;
    const cache: CachePort = Object.assign(Object.create(inner) as CachePort, {
      publish: async (channel: string, message: string) => {
        if (failures-- > 0) throw new Error('cache down');
        return inner.publish(channel, message);
      },
    });
    const received: string[] = [];
    await inner.subscribe('b', () => received.push('b'));
    await inner.subscribe('c', () => received.push('c'));
    const failed = wake(cache, 'b');
    const trailing = wake(cache, 'b');
    await expect(failed).rejects.toThrow('cache down');
    await trailing;
    await waitFor(() => received.length === 1, 5_000, 'the trailing wake arrived');
    await wake(cache, 'c');
    await waitFor(() => received.length === 2, 5_000, 'the other channel woke');
    expect(received).toEqual(['b', 'c']);
  });
});
