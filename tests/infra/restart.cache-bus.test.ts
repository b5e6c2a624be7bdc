import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createKafkaBus } from '../../infra/bus/kafka.ts';
import type { BusMessage, BusPort, Subscription } from '../../infra/bus/port.ts';
import type { CachePort } from '../../infra/cache/port.ts';
import { createRedisCache } from '../../infra/cache/redis.ts';
import { loadConfig } from '../../runtime/config.ts';
import { sleep, waitFor } from '../support/wait-for.ts';
import { stopEngine } from './engine-restart.ts';

/**
 * The fault the issue names: Redis or the Kafka broker restarts under running adapters. Nothing
 * here reconnects by hand; the adapters must come back by themselves (the test only waits until
 * ping answers, as /readyz would), and then nothing published is lost. Each test restarts the
 * engine, so this file must not share the engines with suites running at the same time.
 */
const config = loadConfig(process.env);
const unique = (label: string) => `restart-${label}-${randomUUID().slice(0, 8)}`;

/** Polls an async check until it resolves (the breaker may hold calls off for a few seconds). */
async function eventually(check: () => Promise<unknown>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what} did not succeed within ${timeoutMs} ms`, { cause: error });
      await sleep(250);
    }
  }
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe('cache on Redis when Redis restarts', { timeout: 180_000 }, () => {
  const node = (): CachePort => {
    const cache = createRedisCache({ url: config.REDIS_URL! });
    closers.push(() => cache.close());
    return cache;
  };

  it('reconnects and re-subscribes by itself; every message published afterwards reaches every subscriber', async () => {
    const [publisher, listener] = [node(), node()];
    const channel = unique('channel');
    const heardThere: string[] = [];
    const heardHere: string[] = [];
    await listener.subscribe(channel, (message) => heardThere.push(message));
    await publisher.subscribe(channel, (message) => heardHere.push(message));
    await publisher.publish(channel, 'before');
    await waitFor(() => heardThere.length === 1 && heardHere.length === 1, 10_000, 'the message before the restart');
    // Loads the rate-limit script into Redis's script cache, which the restart empties.
    expect((await publisher.rateLimit(unique('rl'), { limit: 5, windowMs: 60_000 })).allowed).toBe(true);

    const redis = await stopEngine('redis');
    // While Redis is away, calls fail at once instead of queueing: callers and /readyz see it.
    await expect(publisher.publish(channel, 'lost')).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await expect(listener.get(unique('key'))).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await redis.start();
    await eventually(() => Promise.all([publisher.ping(), listener.ping()]), 'ping on both nodes');

    const after = Array.from({ length: 20 }, (_, i) => `after-${i}`);
    for (const message of after) await publisher.publish(channel, message);
    await waitFor(() => heardThere.length === 21 && heardHere.length === 21, 30_000, 'all 20 messages on both nodes');
    expect(heardThere).toEqual(['before', ...after]);
    expect(heardHere).toEqual(['before', ...after]);

    const limiter = unique('rl');
    expect((await publisher.rateLimit(limiter, { limit: 1, windowMs: 60_000 })).allowed).toBe(true);
    expect((await listener.rateLimit(limiter, { limit: 1, windowMs: 60_000 })).allowed).toBe(false);
    expect(await listener.incr(unique('counter'), 1, { ttlMs: 60_000 })).toBe(1);
  });
});

describe('bus on Kafka when the broker restarts', { timeout: 300_000 }, () => {
  const node = (): BusPort => {
    const bus = createKafkaBus({ brokers: config.KAFKA_BROKERS!.split(','), defaultPartitions: 3, onError: () => {} });
    closers.push(() => bus.close());
    return bus;
  };

  it('reconnects producer and consumer group by itself; nothing published across the restart is lost, order per key holds', async () => {
    const [producer, consumer] = [node(), node()];
    const topic = unique('topic');
    await producer.ensureTopics([{ name: topic, partitions: 3 }]);
    const received: BusMessage[] = [];
    const subscription: Subscription = await consumer.subscribe({
      group: unique('group'),
      topics: [topic],
      handler: async (message) => void received.push(message),
    });
    closers.push(() => subscription.stop());
    const keys = ['conv-a', 'conv-b', 'conv-c', 'conv-d'];
    await producer.publish(topic, keys.map((key) => ({ key, value: `${key}:before` })));
    await waitFor(() => received.length === keys.length, 60_000, 'the messages before the restart');

    const broker = await stopEngine('kafka');
    // Published while the broker is down: it either lands once the broker is back (then it must
    // be consumed) or fails with ENGINE_UNAVAILABLE; it is never acknowledged and then lost.
    const during = producer.publish(topic, [{ key: 'conv-a', value: 'conv-a:during' }]).then(
      () => 'published',
      (error: { code?: string }) => error.code,
    );
    await sleep(1_000);
    await broker.start();
    await eventually(() => producer.ping(), 'ping');
    const duringOutcome = await during;
    expect(['published', 'ENGINE_UNAVAILABLE']).toContain(duringOutcome);

    const after = Array.from({ length: 5 }, (_, round) => keys.map((key) => ({ key, value: `${key}:after-${round}` })));
    for (const batch of after) await producer.publish(topic, batch);
    const expected = [...after.flat().map((message) => message.value), ...(duringOutcome === 'published' ? ['conv-a:during'] : [])];
    const handled = () => new Set(received.map((message) => message.value));
    await waitFor(() => expected.every((value) => handled().has(value)), 180_000, 'every acknowledged message');

    for (const key of keys) {
      // At-least-once: a message may come twice around the restart, but never out of order.
      const firstSeen = [...new Set(received.filter((m) => m.key === key && m.value.includes('after')).map((m) => m.value))];
      expect(firstSeen).toEqual(Array.from({ length: 5 }, (_, round) => `${key}:after-${round}`));
    }
  });
});
