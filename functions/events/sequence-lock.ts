import type { Services } from '../../runtime/context.ts';
import { cacheLease } from '../../infra/cache/lease.ts';

/**
 * On a store that loses concurrent updates (`capabilities.atomicUpdates: false`, FerretDB v1),
 * concurrent writers of one conversation would keep colliding on the same sequence number. A
 * short per-conversation lock in the cache (Redis in cluster mode) makes them take turns instead.
 * Stores with atomic counters never take it.
 */
const LOCK_TTL_MS = 5_000;
const WAIT_LIMIT_MS = 30_000;

export async function withSequenceLock<T>(services: Services, conversationId: string, fn: () => Promise<T>): Promise<T> {
  if (services.ports.store.capabilities.atomicUpdates !== false) return fn();
  const lock = cacheLease(services.ports.cache, `caas:seqlock:${conversationId}`, LOCK_TTL_MS);
  await lock.acquire(WAIT_LIMIT_MS);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
