/**
 * Embedded cache for local mode (everything in one process): a Map with Redis's semantics for
 * the commands the port exposes. Expiry is lazy (every read checks the deadline) plus a budgeted
 * background sweep, unref'd so it never keeps the process alive. Type mismatches fail like
 * Redis's WRONGTYPE; malformed TTLs and counters fail like Redis's ERR replies (BAD_REQUEST).
 *
 * @example
 *   const cache = createLocalCache();
 *   await cache.set('presence:a1:u1', 'online', { ttlMs: 30_000 });
 */
import { AppError } from '../../runtime/errors.ts';
import { assertValidBuckets, gcraAll } from './gcra.ts';
import { LocalPubSub } from './local-pubsub.ts';
import type { SubscriberErrorHandler } from './subscribers.ts';
import type { CachePort, IncrOptions, MessageHandler, RateLimitBucket, RateLimitRule, RateLimitVerdict, SetOptions, Unsubscribe } from './port.ts';

const ADAPTER = 'cache:local';
/** Keys examined per sweep tick, so a huge keyspace never stalls the event loop. */
const SWEEP_BUDGET = 10_000;

export interface LocalCacheOptions {
  /** Background sweep period for expired keys; default 1000 ms. Reads never see expired keys regardless. */
  sweepIntervalMs?: number;
  /** Receives errors thrown by pub/sub handlers; default reports them with `process.emitWarning`. */
  onHandlerError?: SubscriberErrorHandler;
  /** Clock in epoch ms; default `Date.now`. */
  now?: () => number;
}

type Entry =
  | { kind: 'string'; value: string; expiresAt: number | null }
  | { kind: 'set'; members: Set<string>; expiresAt: number | null };

export function createLocalCache(options: LocalCacheOptions = {}): CachePort {
  return new LocalCache(options);
}

class LocalCache implements CachePort {
  readonly name = 'local';
  readonly shared = false;
  private readonly entries = new Map<string, Entry>();
  private readonly pubsub: LocalPubSub;
  private readonly now: () => number;
  private readonly sweepTimer: NodeJS.Timeout;
  private sweepCursor: Iterator<[string, Entry]> | null = null;
  private closed = false;

  constructor(options: LocalCacheOptions) {
    this.now = options.now ?? Date.now;
    this.pubsub = new LocalPubSub(options.onHandlerError ?? reportHandlerError);
    this.sweepTimer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 1_000);
    this.sweepTimer.unref();
  }

  async get(key: string): Promise<string | null> {
    return this.stringEntry(key)?.value ?? null;
  }

  async getMany(keys: readonly string[]): Promise<Array<string | null>> {
    this.assertOpen();
    return keys.map((key) => {
      const entry = this.live(key);
      return entry?.kind === 'string' ? entry.value : null;
    });
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    this.assertOpen();
    if (options.ttlMs !== undefined) assertTtl(options.ttlMs);
    if (options.ifAbsent && this.live(key)) return false;
    // Like Redis SET: replaces any type and drops an existing TTL unless a new one is given.
    this.entries.set(key, { kind: 'string', value, expiresAt: this.deadline(options.ttlMs) });
    return true;
  }

  async del(...keys: string[]): Promise<number> {
    this.assertOpen();
    let existed = 0;
    for (const key of new Set(keys)) {
      if (this.live(key)) existed += 1;
      this.entries.delete(key);
    }
    return existed;
  }

  async incr(key: string, by = 1, options: IncrOptions = {}): Promise<number> {
    if (!Number.isSafeInteger(by)) throw new AppError('BAD_REQUEST', `[${ADAPTER}] increment must be an integer`);
    if (options.ttlMs !== undefined) assertTtl(options.ttlMs);
    const { floor } = options;
    if (floor !== undefined && !Number.isSafeInteger(floor)) throw new AppError('BAD_REQUEST', `[${ADAPTER}] floor must be an integer`);
    const entry = this.stringEntry(key);
    if (!entry) {
      const value = Math.max(0, floor ?? 0) + by;
      this.entries.set(key, { kind: 'string', value: String(value), expiresAt: this.deadline(options.ttlMs) });
      return value;
    }
    const stored = /^-?\d+$/.test(entry.value) ? Number(entry.value) : Number.NaN;
    if (!Number.isSafeInteger(stored)) {
      throw new AppError('BAD_REQUEST', `[${ADAPTER}] value of '${key}' is not an integer`);
    }
    const current = floor !== undefined && floor > stored ? floor : stored;
    const next = current + by;
    if (!Number.isSafeInteger(next)) throw new AppError('BAD_REQUEST', `[${ADAPTER}] increment would overflow`);
    entry.value = String(next);
    return next;
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    this.assertOpen();
    if (!Number.isInteger(ttlMs)) throw new AppError('BAD_REQUEST', `[${ADAPTER}] ttlMs must be an integer`);
    const entry = this.live(key);
    if (!entry) return false;
    // Redis PEXPIRE with a non-positive TTL deletes the key at once.
    if (ttlMs <= 0) this.entries.delete(key);
    else entry.expiresAt = this.now() + ttlMs;
    return true;
  }

  async ttl(key: string): Promise<number> {
    this.assertOpen();
    const entry = this.live(key);
    if (!entry) return -2;
    return entry.expiresAt === null ? -1 : entry.expiresAt - this.now();
  }

  async setAdd(key: string, ...members: string[]): Promise<number> {
    const entry = this.setEntry(key);
    if (members.length === 0) return 0;
    const set = entry ?? { kind: 'set' as const, members: new Set<string>(), expiresAt: null };
    if (!entry) this.entries.set(key, set);
    const before = set.members.size;
    for (const member of members) set.members.add(member);
    return set.members.size - before;
  }

  async setRemove(key: string, ...members: string[]): Promise<number> {
    const entry = this.setEntry(key);
    if (!entry) return 0;
    let removed = 0;
    for (const member of members) if (entry.members.delete(member)) removed += 1;
    // Redis deletes a set once it is empty (and its TTL with it).
    if (entry.members.size === 0) this.entries.delete(key);
    return removed;
  }

  async setMembers(key: string): Promise<string[]> {
    return [...(this.setEntry(key)?.members ?? [])];
  }

  async publish(channel: string, message: string): Promise<void> {
    this.assertOpen();
    this.pubsub.publish(channel, message);
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe> {
    this.assertOpen();
    return this.pubsub.subscribe(channel, handler);
  }

  async rateLimit(key: string, rule: RateLimitRule): Promise<RateLimitVerdict> {
    const [verdict] = await this.rateLimitAll([{ key, rule }]);
    return verdict!;
  }

  async rateLimitAll(buckets: readonly RateLimitBucket[]): Promise<RateLimitVerdict[]> {
    this.assertOpen();
    assertValidBuckets(ADAPTER, buckets);
    const stored = buckets.map(({ key }) => {
      const tat = Number(this.stringEntry(key)?.value ?? NaN);
      return Number.isFinite(tat) ? tat : null;
    });
    const now = this.now();
    const { verdicts, nextTats } = gcraAll(stored, now, buckets.map((bucket) => bucket.rule));
    nextTats.forEach((tat, index) => {
      // The state expires once the bucket is full again, as the Redis script's PX does.
      if (tat !== null) this.entries.set(buckets[index]!.key, { kind: 'string', value: String(tat), expiresAt: now + Math.max(1, Math.ceil(tat - now)) });
    });
    return verdicts;
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    this.pubsub.clear();
    this.entries.clear();
  }

  /** The entry when present and unexpired; expired entries are dropped on sight. */
  private live(key: string): Entry | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt !== null && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry;
  }

  private stringEntry(key: string): Extract<Entry, { kind: 'string' }> | null {
    this.assertOpen();
    const entry = this.live(key);
    if (entry && entry.kind !== 'string') throw wrongType(key);
    return entry;
  }

  private setEntry(key: string): Extract<Entry, { kind: 'set' }> | null {
    this.assertOpen();
    const entry = this.live(key);
    if (entry && entry.kind !== 'set') throw wrongType(key);
    return entry;
  }

  private deadline(ttlMs: number | undefined): number | null {
    return ttlMs === undefined ? null : this.now() + ttlMs;
  }

  private sweep(): void {
    const now = this.now();
    this.sweepCursor ??= this.entries.entries();
    for (let examined = 0; examined < SWEEP_BUDGET; examined += 1) {
      const step = this.sweepCursor.next();
      if (step.done) {
        this.sweepCursor = null;
        return;
      }
      const [key, entry] = step.value;
      if (entry.expiresAt !== null && entry.expiresAt <= now) this.entries.delete(key);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('ENGINE_UNAVAILABLE', `[${ADAPTER}] cache is closed`);
  }
}

function assertTtl(ttlMs: number): void {
  // Redis rejects PX values that are not positive integers ("invalid expire time").
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new AppError('BAD_REQUEST', `[${ADAPTER}] ttlMs must be a positive integer`);
  }
}

function wrongType(key: string): AppError {
  return new AppError('BAD_REQUEST', `[${ADAPTER}] WRONGTYPE: '${key}' holds another kind of value`);
}

function reportHandlerError(error: unknown, channel: string): void {
  const reason = error instanceof Error ? error : new Error(String(error));
  process.emitWarning(`[${ADAPTER}] subscriber on '${channel}' threw: ${reason.message}`, { detail: reason.stack });
}
