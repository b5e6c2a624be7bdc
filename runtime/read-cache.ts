import { randomUUID } from 'node:crypto';
import type { CachePort, Unsubscribe } from '../infra/cache/port.ts';
import { retryUntilDone } from '../infra/resilience.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';

/**
 * A per-process cache of hot reads on the request path (apps, server keys, users, conversation
 * policy, memberships, moderation settings), so a send does not pay a store round trip for each.
 *
 * Freshness: a write drops its keys here at once and, through the cache port's pub/sub, in every
 * other process (`invalidate`); an entry is served without a second look for `ttlMs`, which bounds
 * staleness when an invalidation is lost (pub/sub is fire and forget). So a revoked key, a ban or a
 * removal takes effect in this process immediately and everywhere within `ttlMs` (default 1 s).
 *
 * Version stamps, on a cache every process shares (Redis): each write also leaves a new random
 * stamp on the bucket its key hashes to (one of 64), a value that, unlike a broadcast, stays. An
 * entry past `ttlMs` is kept when its bucket's stamp is still the one read before it was loaded;
 * one read of all 64 stamps (reused for half a TTL) checks every expired entry of the process. A
 * lost broadcast is then caught by the stamp within `ttlMs`, as by expiry before, and an unchanged
 * row costs no store read. An entry is loaded again when its stamp moved, when the stamps cannot be
 * read (the cache down: expiry as without stamps), and after `maxAgeMs` in any case: the bound
 * for the one failure stamps cannot see, a writer whose stamp the cache refused while it answered
 * everyone else. The embedded cache is each process's own: there entries simply expire.
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
  /** How long an entry may be served without a look at its stamp; 0 turns caching off (every read loads). */
  ttlMs: number;
  /** How long an entry may be kept by unchanged stamps before it is loaded again; default 30 s. */
  maxAgeMs?: number;
  /** Entries kept at most; the oldest go first. */
  maxEntries?: number;
}

const INVALIDATION_CHANNEL = 'caas:reads:invalidate';
const KEY_SEPARATOR = '\n';
const STAMP_BUCKETS = 64;
const STAMP_KEYS = Array.from({ length: STAMP_BUCKETS }, (_, bucket) => `caas:reads:stamp:${bucket}`);

/** The bucket of a key's stamp, the same in every process (FNV-1a over the key's UTF-16 units). */
export function stampBucketOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % STAMP_BUCKETS;
}

interface Entry {
  value: unknown;
  expiresAt: number;
  loadedAt: number;
  /** Its bucket's stamp read before the load began; undefined when the stamps could not be read. */
  stamp: string | undefined;
}

/** All buckets' stamps, and when the read that returned them began. */
interface Stamps {
  values: Array<string | null>;
  readAt: number;
}

/**
 * Subscribes to invalidations in the background (retried while the cache engine is down: until
 * then entries live `ttlMs` at most), so a process starts whatever state its engines are in.
 */
export function createReadCache(cache: CachePort, clock: Clock, log: Logger, options: ReadCacheOptions): ReadCache {
  const { ttlMs } = options;
  const maxAgeMs = options.maxAgeMs ?? 30_000;
  const maxEntries = options.maxEntries ?? 100_000;
  const stamped = cache.shared && ttlMs > 0;
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Promise<unknown>>();
  let generation = 0;
  let stamps: Stamps | undefined;
  let stampsRead: Promise<Stamps | undefined> | undefined;

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

  /**
   * Stamps read at most half a TTL ago (so an entry they keep lives on for at least that), or read
   * now; undefined when the cache cannot answer. A bucket without a stamp (a new deployment, or a
   * cache that lost its keys) gets a random one first: a missing stamp is never an entry's, or a
   * change stamped and then lost with the cache's data would look like no change at all.
   */
  function currentStamps(): Promise<Stamps | undefined> {
    if (stamps && clock.now() - stamps.readAt < ttlMs / 2) return Promise.resolve(stamps);
    stampsRead ??= (async () => {
      const readAt = clock.now();
      try {
        let values = await cache.getMany(STAMP_KEYS);
        const missing = STAMP_KEYS.filter((_, bucket) => values[bucket] === null);
        if (missing.length > 0) {
          await Promise.all(missing.map((key) => cache.set(key, randomUUID(), { ifAbsent: true })));
          values = await cache.getMany(STAMP_KEYS);
        }
        stamps = { values, readAt };
        return stamps;
      } catch {
        return undefined; // entries are loaded again, as without stamps; the cache's outage is reported by its own calls
      } finally {
        stampsRead = undefined;
      }
    })();
    return stampsRead;
  }

  function keep(key: string, value: unknown, stamp: Entry['stamp'], loadedAt: number): void {
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
    entries.set(key, { value, expiresAt: clock.now() + ttlMs, loadedAt, stamp });
  }

  async function revalidateOrLoad<T>(key: string, expired: Entry | undefined, load: () => Promise<T>): Promise<T> {
    const current = stamped ? await currentStamps() : undefined;
    const stamp = current?.values[stampBucketOf(key)] ?? undefined;
    // Still the entry that expired (no invalidation dropped it meanwhile), its stamp unchanged: keep it.
    if (expired && current && expired.stamp !== undefined && expired.stamp === stamp && entries.get(key) === expired && clock.now() - expired.loadedAt < maxAgeMs) {
      expired.expiresAt = Math.min(current.readAt + ttlMs, expired.loadedAt + maxAgeMs);
      return expired.value as T;
    }
    const started = generation;
    const loadedAt = clock.now();
    const value = await load();
    if (generation === started) keep(key, value, stamp, loadedAt);
    return value;
  }

  async function leaveStamps(keys: readonly string[]): Promise<void> {
    const buckets = new Set(keys.map(stampBucketOf));
    await Promise.all([...buckets].map((bucket) => cache.set(STAMP_KEYS[bucket]!, randomUUID())));
  }

  return {
    read<T>(key: string, load: () => Promise<T>): Promise<T> {
      if (ttlMs <= 0) return load();
      const entry = entries.get(key);
      if (entry && entry.expiresAt > clock.now()) return Promise.resolve(entry.value as T);
      const pending = loading.get(key);
      if (pending) return pending as Promise<T>;
      const promise: Promise<T> = revalidateOrLoad(key, entry, load).finally(() => {
        if (loading.get(key) === promise) loading.delete(key);
      });
      loading.set(key, promise);
      return promise;
    },
    async invalidate(...keys: string[]): Promise<void> {
      if (ttlMs <= 0 || keys.length === 0) return;
      drop(keys);
      // The write this follows has committed: a lost stamp or broadcast must not report it as failed.
      const [stampsLeft, broadcast] = await Promise.allSettled([
        stamped ? leaveStamps(keys) : Promise.resolve(),
        cache.publish(INVALIDATION_CHANNEL, keys.join(KEY_SEPARATOR)),
      ]);
      if (stampsLeft.status === 'rejected') {
        log.warn({ err: stampsLeft.reason, keys }, `read cache: stamps not left; other processes may keep the old rows for up to ${maxAgeMs} ms if the broadcast is lost too`);
      }
      if (broadcast.status === 'rejected') {
        log.warn({ err: broadcast.reason, keys }, `read cache: invalidation not broadcast; other processes catch up within ${ttlMs} ms${stamped ? ' (by the stamps)' : ''}`);
      }
    },
    async close(): Promise<void> {
      entries.clear();
      stopping.abort();
      await subscribed;
      await unsubscribe();
    },
  };
}
