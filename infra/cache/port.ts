/**
 * Cache port: short-lived shared state. Key/value with TTL, counters, sets, pub/sub and a
 * rate-limit primitive. In-process in local mode, Redis in cluster mode; one contract suite
 * (tests/contract/cache.contract.ts).
 *
 * @example
 *   await cache.set('presence:a1:u1', 'online', { ttlMs: 30_000 });
 *   const verdict = await cache.rateLimit('rl:app:a1', { limit: 100, windowMs: 1_000 });
 *   const [user, app] = await cache.rateLimitAll([
 *     { key: 'rl:user:a1:u1', rule: { limit: 10, windowMs: 1_000 } },
 *     { key: 'rl:app:a1', rule: { limit: 100, windowMs: 1_000 } },
 *   ]);
 */
export interface SetOptions {
  /** Expire after this many milliseconds; without it the key lives until deleted. */
  ttlMs?: number;
  /** Only write when the key does not exist (Redis NX). */
  ifAbsent?: boolean;
}

export interface RateLimitRule {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
  /** Tokens this call consumes; default 1. */
  cost?: number;
  /**
   * Only look: allowed while a request of `cost` would be, and nothing is charged (a budget
   * charged afterwards, such as failed authentications, checked before the work).
   */
  checkOnly?: boolean;
}

export interface RateLimitBucket {
  key: string;
  rule: RateLimitRule;
}

export interface RateLimitVerdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the limit is fully reset. */
  resetMs: number;
  /** Milliseconds to wait before a retry can succeed; 0 when allowed. */
  retryAfterMs: number;
}

export interface IncrOptions {
  ttlMs?: number;
  floor?: number;
}

export type MessageHandler = (message: string) => void;
export type Unsubscribe = () => Promise<void>;

export interface CachePort {
  readonly name: string;
  /**
   * Whether every process of a deployment sees the same keys (Redis). The embedded cache is one
   * process's (one thread's) own: what another process writes there is never seen here.
   */
  readonly shared: boolean;
  get(key: string): Promise<string | null>;
  /** Several string values at once (Redis MGET), in the keys' order; missing keys, and keys holding a set, read as null. */
  getMany(keys: readonly string[]): Promise<Array<string | null>>;
  /** Returns false when `ifAbsent` was set and the key already existed; true when written. */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;
  /** Returns how many of the keys existed. */
  del(...keys: string[]): Promise<number>;
  /**
   * Atomic add; a missing key counts as 0. `ttlMs` applies only when the key is created. `floor`
   * first raises a lower (or missing) counter to that value, in the same atomic step: a counter
   * that lost its state (a cache restart) catches up with a known minimum without ever going back.
   */
  incr(key: string, by?: number, options?: IncrOptions): Promise<number>;
  /** Sets a TTL on an existing key; false when the key does not exist. */
  expire(key: string, ttlMs: number): Promise<boolean>;
  /** Remaining TTL in ms; -1 for no TTL; -2 for a missing key (Redis PTTL semantics). */
  ttl(key: string): Promise<number>;
  setAdd(key: string, ...members: string[]): Promise<number>;
  setRemove(key: string, ...members: string[]): Promise<number>;
  setMembers(key: string): Promise<string[]>;
  /** Delivered to every subscriber of the channel, on any node (fire and forget, like Redis). */
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe>;
  /** Sliding-window/GCRA limiter, atomic across nodes. */
  rateLimit(key: string, rule: RateLimitRule): Promise<RateLimitVerdict>;
  /**
   * Several limiters in one atomic step (one round trip on Redis): every bucket is charged when
   * all of them allow the request, none when any refuses. One verdict per bucket, in order, each
   * the one that bucket alone would give. Keys must be distinct.
   */
  rateLimitAll(buckets: readonly RateLimitBucket[]): Promise<RateLimitVerdict[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
