import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH } from '../../infra/bus/batch-consumer.ts';
import { BUS_LIMITS, type BusMessage, type BusPort, type SubscribeOptions, type Subscription } from '../../infra/bus/port.ts';
import { sleep, waitFor } from '../support/wait-for.ts';

/**
 * The bus port's contract, run unchanged on every adapter (embedded log, Kafka). Only the public
 * interface is used; every test has its own random topics and groups so the suite can share a
 * broker; delivery is awaited by polling for an outcome with generous timeouts (a Kafka group
 * join takes seconds), never by fixed sleeps. "Not delivered" is proven by ordering: a later
 * message with the same key arrives, so an earlier one would have arrived first.
 */
export function busContract(factory: () => Promise<BusPort>): void {
  describe('bus port contract', { timeout: 90_000 }, () => {
    let bus: BusPort;
    const running: Subscription[] = [];
    const DELIVERY_TIMEOUT = 45_000;

    beforeAll(async () => {
      bus = await factory();
    });

    afterEach(async () => {
      await Promise.all(running.splice(0).map((subscription) => subscription.stop()));
    });

    afterAll(async () => {
      await bus.close();
    });

    const unique = (label: string) => `contract-${label}-${randomUUID().slice(0, 8)}`;

    async function freshTopic(partitions: number): Promise<string> {
      const topic = unique('topic');
      await bus.ensureTopics([{ name: topic, partitions }]);
      return topic;
    }

    /** Subscribes and records every message handled successfully. */
    async function collect(
      options: Omit<SubscribeOptions, 'handler'> & { handler?: SubscribeOptions['handler'] },
    ): Promise<{ received: BusMessage[]; subscription: Subscription }> {
      const received: BusMessage[] = [];
      const subscription = await bus.subscribe({
        ...options,
        handler: async (message) => {
          await options.handler?.(message);
          received.push(message);
        },
      });
      running.push(subscription);
      return { received, subscription };
    }

    const values = (messages: BusMessage[]) => messages.map((message) => message.value);
    const waitForCount = (messages: BusMessage[], count: number, what: string) =>
      waitFor(() => messages.length >= count, DELIVERY_TIMEOUT, what);

    it('delivers messages with one key in publish order, each key on one partition with increasing offsets', async () => {
      const topic = await freshTopic(3);
      const keys = ['conv-a', 'conv-b', 'conv-c'];
      for (let round = 0; round < 5; round += 1) {
        await bus.publish(
          topic,
          [0, 1].flatMap((step) => keys.map((key) => ({ key, value: `${key}:${round * 2 + step}` }))),
        );
      }
      const { received } = await collect({ group: unique('group'), topics: [topic] });
      await waitForCount(received, 30, '30 messages');

      for (const key of keys) {
        const ofKey = received.filter((message) => message.key === key);
        expect(values(ofKey)).toEqual(Array.from({ length: 10 }, (_, i) => `${key}:${i}`));
        expect(new Set(ofKey.map((message) => message.partition)).size).toBe(1);
        const offsets = ofKey.map((message) => BigInt(message.offset));
        expect(offsets.every((offset, i) => i === 0 || offset > offsets[i - 1]!)).toBe(true);
      }
    });

    it('delivers every message to each of two groups', async () => {
      const topic = await freshTopic(2);
      const sent = Array.from({ length: 10 }, (_, i) => ({ key: `k${i % 4}`, value: `v${i}` }));
      await bus.publish(topic, sent);
      const first = await collect({ group: unique('group'), topics: [topic] });
      const second = await collect({ group: unique('group'), topics: [topic] });
      await waitForCount(first.received, 10, 'first group got 10');
      await waitForCount(second.received, 10, 'second group got 10');
      expect(values(first.received).sort()).toEqual(sent.map((m) => m.value).sort());
      expect(values(second.received).sort()).toEqual(sent.map((m) => m.value).sort());
    });

    it('creates a topic on first publish (auto-create)', async () => {
      const topic = unique('auto');
      await bus.publish(topic, [{ key: 'k', value: 'hello' }]);
      const { received } = await collect({ group: unique('group'), topics: [topic] });
      await waitForCount(received, 1, 'the message');
      expect(values(received)).toEqual(['hello']);
    });

    it("shares a group's partitions between its subscribers, handling each message once", async () => {
      const topic = await freshTopic(4);
      const group = unique('group');
      const a = await collect({ group, topics: [topic] });
      const b = await collect({ group, topics: [topic] });
      const sent = Array.from({ length: 40 }, (_, i) => ({ key: `user-${i}-${randomUUID()}`, value: `v${i}` }));
      await bus.publish(topic, sent);
      await waitFor(() => a.received.length + b.received.length >= 40, DELIVERY_TIMEOUT, '40 messages across both');
      await Promise.all([a.subscription.stop(), b.subscription.stop()]);

      const handled = [...values(a.received), ...values(b.received)];
      expect(handled).toHaveLength(40);
      expect(new Set(handled).size).toBe(40);
      expect(a.received.length).toBeGreaterThan(0);
      expect(b.received.length).toBeGreaterThan(0);
      const partitionsOfA = new Set(a.received.map((message) => message.partition));
      expect(b.received.some((message) => partitionsOfA.has(message.partition))).toBe(false);
    });

    it('redelivers a message whose handler threw, before any later message of its partition', async () => {
      const topic = await freshTopic(1);
      const attempts: string[] = [];
      let failedOnce = false;
      const { received } = await collect({
        group: unique('group'),
        topics: [topic],
        handler: async (message) => {
          attempts.push(message.value);
          if (message.value === 'm2' && !failedOnce) {
            failedOnce = true;
            throw new Error('transient failure');
          }
        },
      });
      await bus.publish(topic, ['m1', 'm2', 'm3', 'm4'].map((value) => ({ key: 'same', value })));
      await waitFor(() => received.some((message) => message.value === 'm4'), DELIVERY_TIMEOUT, 'm4 handled');

      expect(attempts.filter((value) => value === 'm2').length).toBeGreaterThanOrEqual(2);
      const secondTryOfM2 = attempts.indexOf('m2', attempts.indexOf('m2') + 1);
      expect(attempts.indexOf('m3')).toBeGreaterThan(secondTryOfM2);
      expect([...new Set(values(received))]).toEqual(['m1', 'm2', 'm3', 'm4']);
    });

    it('hands handleBatch consecutive messages of one partition in offset order, at most MAX_BATCH at a time, each once', async () => {
      const topic = await freshTopic(2);
      const sent = Array.from({ length: 250 }, (_, i) => ({ key: `k${i % 2}`, value: `v${i}` }));
      await bus.publish(topic, sent);
      const batches: BusMessage[][] = [];
      running.push(await bus.subscribe({ group: unique('group'), topics: [topic], handleBatch: async (messages) => void batches.push(messages) }));
      await waitFor(() => batches.flat().length >= 250, DELIVERY_TIMEOUT, '250 messages in batches');

      expect(batches.every((batch) => batch.length >= 1 && batch.length <= MAX_BATCH)).toBe(true);
      for (const batch of batches) {
        expect(new Set(batch.map((message) => message.partition)).size).toBe(1);
        const offsets = batch.map((message) => BigInt(message.offset));
        offsets.slice(1).forEach((offset, i) => expect(offset).toBe(offsets[i]! + 1n));
      }
      expect(values(batches.flat()).sort()).toEqual(values(sent as BusMessage[]).sort());
      for (const key of ['k0', 'k1']) {
        const ofKey = batches.flat().filter((message) => message.key === key).map((message) => message.value);
        expect(ofKey).toEqual(sent.filter((message) => message.key === key).map((message) => message.value));
      }
    });

    it('redelivers a whole batch whose handler threw, before anything later, and commits it once handled', async () => {
      const topic = await freshTopic(1);
      const group = unique('group');
      const calls: string[][] = [];
      let failedOnce = false;
      const first = await bus.subscribe({
        group,
        topics: [topic],
        handleBatch: async (messages) => {
          calls.push(values(messages));
          if (!failedOnce) {
            failedOnce = true;
            throw new Error('transient failure');
          }
        },
      });
      running.push(first);
      await bus.publish(topic, ['m1', 'm2', 'm3'].map((value) => ({ key: 'same', value })));
      await waitFor(() => calls.flat().filter((value) => value === 'm3').length >= 2, DELIVERY_TIMEOUT, 'the batch handled on its retry');
      expect(calls[0]?.[0]).toBe('m1');
      expect(calls[1]?.[0]).toBe('m1');
      await first.stop();

      // Committed: a new member of the group sees only what comes next.
      await bus.publish(topic, [{ key: 'same', value: 'm4' }]);
      const after = await collect({ group, topics: [topic] });
      await waitForCount(after.received, 1, 'm4');
      expect(values(after.received)).toEqual(['m4']);
    });

    it('refuses a subscription with both or neither of handler and handleBatch (BAD_REQUEST)', async () => {
      const topic = await freshTopic(1);
      await expect(bus.subscribe({ group: unique('group'), topics: [topic] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(
        bus.subscribe({ group: unique('group'), topics: [topic], handler: async () => undefined, handleBatch: async () => undefined }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });

    it('resumes a group from its committed offset after stop: no replay, new messages arrive', async () => {
      const topic = await freshTopic(2);
      const group = unique('group');
      await bus.publish(topic, ['a1', 'a2', 'a3'].map((value) => ({ key: 'k', value })));
      const before = await collect({ group, topics: [topic] });
      await waitForCount(before.received, 3, 'first three');
      await before.subscription.stop();

      await bus.publish(topic, ['b1', 'b2'].map((value) => ({ key: 'k', value })));
      const after = await collect({ group, topics: [topic] });
      await waitForCount(after.received, 2, 'two new messages');
      expect(values(after.received)).toEqual(['b1', 'b2']);
    });

    it('stop waits for the in-flight handler and commits its message', async () => {
      const topic = await freshTopic(1);
      const group = unique('group');
      const events: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const { subscription } = await collect({
        group,
        topics: [topic],
        handler: async (message) => {
          events.push(`start:${message.value}`);
          await gate;
          events.push(`finish:${message.value}`);
        },
      });
      await bus.publish(topic, [{ key: 'k', value: 'slow' }]);
      await waitFor(() => events.includes('start:slow'), DELIVERY_TIMEOUT, 'handler started');
      const stopped = subscription.stop().then(() => events.push('stopped'));
      await sleep(50);
      release();
      await stopped;
      expect(events).toEqual(['start:slow', 'finish:slow', 'stopped']);

      await bus.publish(topic, [{ key: 'k', value: 'next' }]);
      const resumed = await collect({ group, topics: [topic] });
      await waitForCount(resumed.received, 1, 'the next message');
      expect(values(resumed.received)).toEqual(['next']);
    });

    it('starts a new group at the end when fromBeginning is false', async () => {
      const topic = await freshTopic(2);
      await bus.publish(topic, [{ key: 'k', value: 'old' }]);
      const { received } = await collect({ group: unique('group'), topics: [topic], fromBeginning: false });
      await bus.publish(topic, [{ key: 'k', value: 'new' }]);
      await waitForCount(received, 1, 'the new message');
      expect(values(received)).toEqual(['new']);
    });

    it('round-trips headers and message metadata', async () => {
      const topic = await freshTopic(2);
      await bus.publish(topic, [
        { key: 'with', value: '{"n":1}', headers: { 'x-trace-id': 'abc-123', 'content-type': 'application/json' } },
        { key: 'with', value: 'plain' },
      ]);
      const { received } = await collect({ group: unique('group'), topics: [topic] });
      await waitForCount(received, 2, 'two messages');
      const [first, second] = received;
      expect(first).toMatchObject({ topic, key: 'with', value: '{"n":1}' });
      expect(first!.headers).toEqual({ 'x-trace-id': 'abc-123', 'content-type': 'application/json' });
      expect(second!.headers).toEqual({});
      expect(first!.offset).toMatch(/^\d+$/);
      expect([0, 1]).toContain(first!.partition);
      expect(typeof first!.timestamp).toBe('number');
      expect(first!.timestamp).toBeGreaterThan(0);
    });

    it('refuses an oversize message with LIMIT_EXCEEDED and writes nothing from that publish', async () => {
      const topic = await freshTopic(1);
      const oversize = 'x'.repeat(BUS_LIMITS.maxMessageBytes + 1);
      await expect(
        bus.publish(topic, [
          { key: 'k', value: 'small-sibling' },
          { key: 'k', value: oversize },
        ]),
      ).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
      await bus.publish(topic, [{ key: 'k', value: 'marker' }]);
      const { received } = await collect({ group: unique('group'), topics: [topic] });
      await waitForCount(received, 1, 'the marker');
      expect(values(received)).toEqual(['marker']);
    });

    it('refuses an invalid topic name with BAD_REQUEST', async () => {
      await expect(bus.publish('no spaces/or slashes', [{ key: 'k', value: 'v' }])).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
    });

    it('answers ping', async () => {
      await expect(bus.ping()).resolves.toBeUndefined();
    });
  });
}
