import { AppError } from '../../runtime/errors.ts';
import { newId } from '../../runtime/ids.ts';
import type { CachePort } from './port.ts';

/**
 * A lease in the cache: one holder at a time for `key`, lost if not renewed within `ttlMs` (its
 * process died). Used by the outbox relay (one publisher) and the sequence lock (one writer).
 *
 * @example
 * const lease = cacheLease(cache, 'caas:outbox:lease', 5_000);
 * if (await lease.hold()) publish(); // 'acquired' the first time, 'renewed' after
 * await lease.release();
 */
export interface CacheLease {
  readonly holder: string;
  /** Takes the lease if free, renews it if ours: 'acquired' | 'renewed', or null while another holds it. */
  hold(): Promise<'acquired' | 'renewed' | null>;
  /** Waits (backing off up to 20 ms between tries) until acquired; ENGINE_UNAVAILABLE after `waitMs`. */
  acquire(waitMs: number): Promise<void>;
  /** Gives the lease up if it is still ours: one that expired and was taken stays with its new holder. */
  release(): Promise<void>;
}

export function cacheLease(cache: CachePort, key: string, ttlMs: number, holder: string = newId('lease')): CacheLease {
  const take = () => cache.set(key, holder, { ifAbsent: true, ttlMs });
  return {
    holder,
    async hold() {
      if (await take()) return 'acquired';
      if ((await cache.get(key)) !== holder) return null;
      await cache.expire(key, ttlMs);
      return 'renewed';
    },
    async acquire(waitMs) {
      const deadline = Date.now() + waitMs;
      let pause = 1;
      while (!(await take())) {
        if (Date.now() > deadline) throw new AppError('ENGINE_UNAVAILABLE', `lease ${key} not acquired in ${waitMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, pause));
        pause = Math.min(pause * 2, 20);
      }
    },
    async release() {
      if ((await cache.get(key)) === holder) await cache.del(key);
    },
  };
}
