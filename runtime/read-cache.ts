import type { CachePort, Unsubscribe } from '../infra/cache/port.ts';
import { retryUntilDone } from '../infra/resilience.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';

/**
 * A per-process cache of hot reads on the request path (apps, server keys, users, conversation
 * policy, memberships, moderation settings), so a send does not pay a store round trip for each.
 *
 * Freshness: a write drops its keys here at once and, through the cache port's pub/sub, in every
 * other process (`invalidate`); an entry also expires after `ttlMs`, which bounds staleness when an
 * invalidation is lost (pub/sub is fire and forget). So a revoked key, a ban or a removal takes
 * effect in this process immediately and everywhere within `ttlMs` (default 1 s) at worst.
 *
 * A load that was running while any invalidation arrived is returned but not kept: it may have
 * read the row before the write that invalidated it.
 *
 * @example
 *   const app = await services.reads.read(`app:${id}`, () => apps.findOne({ _id: id }));
 *   await services.reads.invalidate(`app:${id}`); // after changing the app
 */
export interface ReadCache {
  read<T>(key: string, load: () => Promise<T>): Promise<T>;
  invalidate(...keys: string[]): Promise<void>;
  close(): Promise<void>;
}

export interface ReadCacheOptions {
  /** How long an entry may be served; 0 turns caching off (every read loads). */
  ttlMs: number;
  /** Entries kept at most; the oldest go first. */
  maxEntries?: number;
}

const INVALIDATION_CHANNEL = 'caas:reads:invalidate';
const KEY_SEPARATOR = '\n';

interface Entry {
  value: unknown;
  expiresAt: number;
}

/**
 * Subscribes to invalidations in the background (retried while the cache engine is down: until
 * then entries live `ttlMs` at most), so a process starts whatever state its engines are in.
 */
export function createReadCache(cache: CachePort, clock: Clock, log: Logger, options: ReadCacheOptions): ReadCache {
  const { ttlMs } = options;
  const maxEntries = options.maxEntries ?? 100_000;
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Promise<unknown>>();
  let generation = 0;

  function drop(keys: readonly string[]): void {
    generation += 1;
    for (const key of keys) {
      entries.delete(key);
      loading.delete(key);
    }
  }

  const stopping = new AbortController();
  let unsubscribe: Unsubscribe = async () => {};
  const subscribed =
    ttlMs <= 0
      ? Promise.resolve()
      : retryUntilDone(
          'read cache invalidations',
          async () => {
            unsubscribe = await cache.subscribe(INVALIDATION_CHANNEL, (message) => drop(message.split(KEY_SEPARATOR)));
          },
          (error, attempt, delayMs) => log.warn({ err: error, attempt }, `read cache: not subscribed to invalidations yet; retrying in ${Math.round(delayMs)} ms`),
          { signal: stopping.signal },
        ).catch(() => undefined);

  function keep(key: string, value: unknown): void {
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
    entries.set(key, { value, expiresAt: clock.now() + ttlMs });
  }

  return {
    read<T>(key: string, load: () => Promise<T>): Promise<T> {
      if (ttlMs <= 0) return load();
      const entry = entries.get(key);
      if (entry && entry.expiresAt > clock.now()) return Promise.resolve(entry.value as T);
      const pending = loading.get(key);
      if (pending) return pending as Promise<T>;
      const started = generation;
      const promise = load().then(
        (value) => {
          if (loading.get(key) === promise) loading.delete(key);
          if (generation === started) keep(key, value);
          return value;
        },
        (error: unknown) => {
          if (loading.get(key) === promise) loading.delete(key);
          throw error;
        },
      );
      loading.set(key, promise);
      return promise;
    },
    async invalidate(...keys: string[]): Promise<void> {
      if (ttlMs <= 0 || keys.length === 0) return;
      drop(keys);
      // The write this follows has committed: a lost broadcast must not report it as failed.
      // Other processes then see the change when their entries expire (ttlMs).
      await cache.publish(INVALIDATION_CHANNEL, keys.join(KEY_SEPARATOR)).catch((error: unknown) => {
        log.warn({ err: error, keys }, `read cache: invalidation not broadcast; other processes catch up within ${ttlMs} ms`);
      });
    },
    async close(): Promise<void> {
      entries.clear();
      stopping.abort();
      await subscribed;
      await unsubscribe();
    },
  };
}
