/**
 * Cache port on Redis (cluster mode). One command connection and one subscriber connection per
 * adapter, both created on first use. Every call runs inside the engine resilience policy
 * (infra/resilience.ts); caller mistakes come back as BAD_REQUEST, engine trouble as
 * ENGINE_UNAVAILABLE, both prefixed `[cache:redis]` and keeping the driver error as `cause`.
 *
 * Connection behaviour (ioredis options below): while Redis is unreachable, commands fail at once
 * instead of queueing (maxRetriesPerRequest 0), so callers and /readyz see the outage; the client
 * keeps reconnecting in the background with capped backoff and re-subscribes its channels.
 * A command whose connection broke mid-flight is reported, not silently replayed
 * (autoResendUnfulfilledCommands off); the policy's retry may then run an `incr` twice, so
 * counters are at-least-once under failures, like any client retry over Redis.
 *
 * @example
 *   const cache = createRedisCache({ url: 'redis://127.0.0.1:6379' });
 *   await cache.set('presence:a1:u1', 'online', { ttlMs: 30_000 });
 */
import { Redis, type RedisOptions } from 'ioredis';
import { AppError } from '../../runtime/errors.ts';
import { enginePolicy, type EngineGuard, type EnginePolicyOptions } from '../resilience.ts';
import { assertValidBuckets } from './gcra.ts';
import type { SubscriberErrorHandler } from './subscribers.ts';
import type { CachePort, IncrOptions, MessageHandler, RateLimitBucket, RateLimitRule, RateLimitVerdict, SetOptions, Unsubscribe } from './port.ts';
import { translateRedisError } from './redis-errors.ts';
import { closeConnection, RedisPubSub } from './redis-pubsub.ts';
import { GCRA_SCRIPT, gcraArguments, INCR_SCRIPT, verdictsFromReply } from './redis-scripts.ts';

const ADAPTER = 'cache:redis';

export interface RedisCacheOptions {
  /** `redis://` or `rediss://` URL (config REDIS_URL). */
  url: string;
  /** Receives errors thrown by pub/sub handlers; default reports them with `process.emitWarning`. */
  onHandlerError?: SubscriberErrorHandler;
  /**
   * Told once per outage when a connection breaks or cannot be made (each failing call also
   * rejects with ENGINE_UNAVAILABLE). Default: nobody, as callers and /readyz already see it.
   */
  onConnectionError?: (error: Error) => void;
  /** Resilience policy overrides (timeout, retries, breaker); defaults from infra/resilience.ts. */
  policy?: Omit<EnginePolicyOptions, 'engine'>;
}

const CONNECTION_OPTIONS: RedisOptions = {
  lazyConnect: true,
  // Commands issued in the same tick (a send's rate limits, sequence and wake-up, and other
  // requests' at once) leave in one write: one syscall instead of one each, in the same order.
  enableAutoPipelining: true,
  connectTimeout: 5_000,
  maxRetriesPerRequest: 0,
  autoResubscribe: true,
  autoResendUnfulfilledCommands: false,
  retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
};

type ScriptedRedis = Redis & {
  /** Key count, the keys, then four numbers per key (redis-scripts.ts). */
  caasGcra(...args: Array<string | number>): Promise<number[]>;
  caasIncr(key: string, by: number, ttlMs: number | '', floor: number | ''): Promise<number>;
};

export function createRedisCache(options: RedisCacheOptions): CachePort {
  return new RedisCache(options);
}

class RedisCache implements CachePort {
  readonly name = 'redis';
  readonly shared = true;
  private readonly guard: EngineGuard;
  private readonly pubsub: RedisPubSub;
  private connection: ScriptedRedis | null = null;
  private closed = false;

  constructor(private readonly options: RedisCacheOptions) {
    this.guard = enginePolicy({ ...options.policy, engine: ADAPTER });
    this.pubsub = new RedisPubSub(() => this.connect(), this.guard, options.onHandlerError ?? reportHandlerError);
  }

  async get(key: string): Promise<string | null> {
    return this.run('get', key, (redis) => redis.get(key));
  }

  async getMany(keys: readonly string[]): Promise<Array<string | null>> {
    if (keys.length === 0) {
      this.assertOpen();
      return [];
    }
    return this.run('getMany', keys.join(', '), (redis) => redis.mget(...keys));
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    if (options.ttlMs !== undefined) assertTtl(options.ttlMs);
    const args: Array<string | number> = [key, value];
    if (options.ttlMs !== undefined) args.push('PX', options.ttlMs);
    if (options.ifAbsent) args.push('NX');
    const reply = await this.run('set', key, (redis) => redis.call('SET', ...args));
    return reply === 'OK';
  }

  async del(...keys: string[]): Promise<number> {
    if (keys.length === 0) {
      this.assertOpen();
      return 0;
    }
    return this.run('del', keys.join(', '), (redis) => redis.del(...keys));
  }

  async incr(key: string, by = 1, options: IncrOptions = {}): Promise<number> {
    if (!Number.isSafeInteger(by)) throw new AppError('BAD_REQUEST', `[${ADAPTER}] increment must be an integer`);
    const { ttlMs, floor } = options;
    if (ttlMs === undefined && floor === undefined) return this.run('incr', key, (redis) => redis.incrby(key, by));
    if (ttlMs !== undefined) assertTtl(ttlMs);
    if (floor !== undefined && !Number.isSafeInteger(floor)) throw new AppError('BAD_REQUEST', `[${ADAPTER}] floor must be an integer`);
    return this.run('incr', key, (redis) => redis.caasIncr(key, by, ttlMs ?? '', floor ?? ''));
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    if (!Number.isInteger(ttlMs)) throw new AppError('BAD_REQUEST', `[${ADAPTER}] ttlMs must be an integer`);
    // Like PEXPIRE itself: a non-positive TTL deletes the key at once.
    return (await this.run('expire', key, (redis) => redis.pexpire(key, ttlMs))) === 1;
  }

  async ttl(key: string): Promise<number> {
    return this.run('ttl', key, (redis) => redis.pttl(key));
  }

  async setAdd(key: string, ...members: string[]): Promise<number> {
    if (members.length === 0) return this.assertSetOrMissing('setAdd', key);
    return this.run('setAdd', key, (redis) => redis.sadd(key, ...members));
  }

  async setRemove(key: string, ...members: string[]): Promise<number> {
    if (members.length === 0) return this.assertSetOrMissing('setRemove', key);
    return this.run('setRemove', key, (redis) => redis.srem(key, ...members));
  }

  async setMembers(key: string): Promise<string[]> {
    return this.run('setMembers', key, (redis) => redis.smembers(key));
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.run('publish', channel, (redis) => redis.publish(channel, message));
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
    assertValidBuckets(ADAPTER, buckets);
    if (buckets.length === 0) {
      this.assertOpen();
      return [];
    }
    const keys = buckets.map((bucket) => bucket.key).join(', ');
    const reply = await this.run('rateLimit', keys, (redis) => redis.caasGcra(...gcraArguments(buckets)));
    return verdictsFromReply(reply, buckets);
  }

  /** Both connections: the command one always, the subscriber one when this adapter has subscribed. */
  async ping(): Promise<void> {
    await this.run('ping', '', (redis) => redis.ping());
    await this.pubsub.ping();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const connection = this.connection;
    this.connection = null;
    await Promise.all([connection ? closeConnection(connection) : undefined, this.pubsub.close()]);
  }

  /** SADD/SREM need a member; with none, SCARD still refuses a key of another type as they would. */
  private async assertSetOrMissing(operation: string, key: string): Promise<0> {
    await this.run(operation, key, (redis) => redis.scard(key));
    return 0;
  }

  /** Runs one Redis call inside the policy, turning caller mistakes into BAD_REQUEST first. */
  private run<T>(operation: string, key: string, call: (redis: ScriptedRedis) => Promise<T>): Promise<T> {
    this.assertOpen();
    const redis = this.commandConnection();
    return this.guard(operation, async () => {
      try {
        return await call(redis);
      } catch (error) {
        throw translateRedisError(ADAPTER, key, error);
      }
    });
  }

  private commandConnection(): ScriptedRedis {
    if (!this.connection) {
      const connection = this.connect() as ScriptedRedis;
      connection.defineCommand('caasGcra', { lua: GCRA_SCRIPT });
      connection.defineCommand('caasIncr', { numberOfKeys: 1, lua: INCR_SCRIPT });
      this.connection = connection;
    }
    return this.connection;
  }

  private connect(): Redis {
    const connection = new Redis(this.options.url, CONNECTION_OPTIONS);
    // Without a listener ioredis prints every failed reconnect attempt; report each outage once.
    let reported = false;
    connection.on('ready', () => (reported = false));
    connection.on('error', (error: Error) => {
      if (reported) return;
      reported = true;
      this.options.onConnectionError?.(error);
    });
    return connection;
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

function reportHandlerError(error: unknown, channel: string): void {
  const reason = error instanceof Error ? error : new Error(String(error));
  process.emitWarning(`[${ADAPTER}] subscriber on '${channel}' threw: ${reason.message}`, { detail: reason.stack });
}
