import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import { newId } from '../../runtime/ids.ts';

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
  const { cache } = services.ports;
  const key = `caas:seqlock:${conversationId}`;
  const token = newId('lock');
  const deadline = Date.now() + WAIT_LIMIT_MS;
  let pause = 1;
  while (!(await cache.set(key, token, { ifAbsent: true, ttlMs: LOCK_TTL_MS }))) {
    if (Date.now() > deadline) throw new AppError('ENGINE_UNAVAILABLE', `sequence lock of ${conversationId} not acquired in ${WAIT_LIMIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 20);
  }
  try {
    return await fn();
  } finally {
    // Only our own lock: one that expired and was taken by another writer stays theirs.
    if ((await cache.get(key)) === token) await cache.del(key);
  }
}
