import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBus } from '../../infra/bus/index.ts';
import { createKafkaBus } from '../../infra/bus/kafka.ts';
import type { BusErrorContext } from '../../infra/bus/local.ts';
import { partitionForKey } from '../../infra/bus/partitioner.ts';
import type { BusMessage, BusPort, Subscription } from '../../infra/bus/port.ts';
import { loadConfig } from '../../runtime/config.ts';
import { busContract } from '../contract/bus.contract.ts';
import { waitFor } from '../support/wait-for.ts';

const config = loadConfig({ ...process.env, CAAS_LOG_LEVEL: 'silent' });
const brokers = config.KAFKA_BROKERS!.split(',');

busContract(() => createBus(config));

describe('kafka bus adapter', { timeout: 90_000 }, () => {
  const buses: BusPort[] = [];
  const subscriptions: Subscription[] = [];
  const bus = (options: Partial<Parameters<typeof createKafkaBus>[0]> = {}) => {
    const created = createKafkaBus({ brokers, defaultPartitions: 3, onError: () => {}, ...options });
    buses.push(created);
    return created;
  };
  const unique = (label: string) => `kafka-test-${label}-${randomUUID().slice(0, 8)}`;
  const admin = new Kafka({ clientId: 'caas-test', brokers, logLevel: logLevel.NOTHING }).admin();

  beforeAll(async () => {
    await admin.connect();
    const { brokers: nodes, clusterId } = await admin.describeCluster();
    const listed = await readEnginesJson();
    const version = listed.find((engine) => engine.name === 'kafka')?.version ?? 'version not listed';
    process.stdout.write(`bus contract engine: kafka ${version} (${nodes.length} broker, cluster ${clusterId}) at ${brokers}\n`);
    expect(nodes.length).toBeGreaterThan(0);
  });

  afterAll(async () => {
    await Promise.all(subscriptions.map((subscription) => subscription.stop()));
    await Promise.all(buses.map((created) => created.close()));
    await admin.disconnect();
  });

  it('is what createBus returns when KAFKA_BROKERS is set', async () => {
    const created = await createBus(config);
    expect(created.name).toBe('kafka');
    await created.close();
  });

  it('creates topics with the configured partition count, on first publish too', async () => {
    const [explicit, implicit] = [unique('explicit'), unique('implicit')];
    const kafka = bus({ defaultPartitions: 5 });
    await kafka.ensureTopics([{ name: explicit, partitions: 2 }]);
    await kafka.publish(implicit, [{ key: 'k', value: 'v' }]);
    const { topics } = await admin.fetchTopicMetadata({ topics: [explicit, implicit] });
    const partitions = Object.fromEntries(topics.map((topic) => [topic.name, topic.partitions.length]));
    expect(partitions).toEqual({ [explicit]: 2, [implicit]: 5 });
  });

  it("puts each key on the partition Kafka's murmur2 partitioner names, like the embedded log", async () => {
    const topic = unique('keys');
    const kafka = bus();
    await kafka.ensureTopics([{ name: topic, partitions: 6 }]);
    const keys = Array.from({ length: 24 }, (_, i) => `conversation-${i}`);
    await kafka.publish(topic, keys.map((key) => ({ key, value: key })));
    const received: BusMessage[] = [];
    subscriptions.push(await kafka.subscribe({ group: unique('group'), topics: [topic], handler: async (m) => void received.push(m) }));
    await waitFor(() => received.length === keys.length, 45_000, 'every key');
    for (const message of received) expect(message.partition).toBe(partitionForKey(message.key, 6));
  });

  it("splits a publish larger than the broker's record-batch limit into requests it accepts", async () => {
    const topic = unique('large');
    const kafka = bus();
    await kafka.ensureTopics([{ name: topic, partitions: 1 }]);
    const big = (label: string) => ({ key: 'same', value: `${label}:${'x'.repeat(700_000)}` });
    await kafka.publish(topic, [big('first'), big('second')]);
    const received: string[] = [];
    subscriptions.push(
      await kafka.subscribe({ group: unique('group'), topics: [topic], handler: async (m) => void received.push(m.value.slice(0, 6)) }),
    );
    await waitFor(() => received.length === 2, 45_000, 'both large messages');
    expect(received).toEqual(['first:', 'second']);
  });

  it('reports each failed delivery with the message and attempt number before redelivering it', async () => {
    const reports: BusErrorContext[] = [];
    const kafka = bus({ retry: { initialMs: 10, maxMs: 20 }, onError: (_error, context) => reports.push(context) });
    const topic = unique('failing');
    const handled: string[] = [];
    let failures = 0;
    subscriptions.push(
      await kafka.subscribe({
        group: unique('group'),
        topics: [topic],
        handler: async (message) => {
          if (failures < 2) {
            failures += 1;
            throw new Error('not yet');
          }
          handled.push(message.value);
        },
      }),
    );
    await kafka.publish(topic, [{ key: 'k', value: 'job-1' }]);
    await waitFor(() => handled.length === 1, 45_000, 'the job handled on its third delivery');
    expect(reports.map((r) => [r.operation, r.message?.value, r.attempt])).toEqual([
      ['handle', 'job-1', 1],
      ['handle', 'job-1', 2],
    ]);
  });

  it('reports an unreachable broker as ENGINE_UNAVAILABLE naming the adapter, and refuses calls once closed', async () => {
    const kafka = createKafkaBus({ brokers: ['127.0.0.1:1'], policy: { retries: 0, timeoutMs: 20_000 } });
    await expect(kafka.ping()).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      message: expect.stringMatching(/^\[bus:kafka\] ping failed/),
    });
    await kafka.close();
    await expect(kafka.publish('t', [{ key: 'k', value: 'v' }])).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
  });
});

async function readEnginesJson(): Promise<Array<{ name: string; version: string }>> {
  const file = process.env.CAAS_ENGINES_JSON;
  if (!file) return [];
  return JSON.parse(await readFile(file, 'utf8')) as Array<{ name: string; version: string }>;
}
