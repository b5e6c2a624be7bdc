import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBus } from '../../infra/bus/index.ts';
import { LocalBus, type BusErrorContext, type LocalBusOptions } from '../../infra/bus/local.ts';
import { partitionForKey } from '../../infra/bus/partitioner.ts';
import type { BusMessage, BusPort } from '../../infra/bus/port.ts';
import { loadConfig } from '../../runtime/config.ts';
import { busContract } from './bus.contract.ts';
import { waitFor } from '../support/wait-for.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'caas-bus-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

let dirs = 0;
const freshFile = () => join(dataDir, `bus-${(dirs += 1)}`, 'bus.sqlite');
const quiet = { onError: () => {} } satisfies Partial<LocalBusOptions>;

busContract(async () => new LocalBus({ file: freshFile(), ...quiet }));

async function drain(bus: BusPort, group: string, topic: string, count: number): Promise<BusMessage[]> {
  const received: BusMessage[] = [];
  const subscription = await bus.subscribe({ group, topics: [topic], handler: async (m) => void received.push(m) });
  await waitFor(() => received.length >= count, 10_000, `${count} messages`);
  await subscription.stop();
  return received;
}

describe('embedded bus (local mode)', () => {
  it('keeps messages, partitions and committed offsets across close and reopen on the same file', async () => {
    const file = freshFile();
    const first = new LocalBus({ file, ...quiet });
    await first.ensureTopics([{ name: 'events', partitions: 3 }]);
    await first.publish('events', ['e1', 'e2', 'e3'].map((value) => ({ key: 'conv-1', value })));
    expect((await drain(first, 'indexer', 'events', 3)).map((m) => m.value)).toEqual(['e1', 'e2', 'e3']);
    await first.close();

    const second = new LocalBus({ file, defaultPartitions: 12, ...quiet });
    await second.publish('events', [{ key: 'conv-1', value: 'e4' }]);
    const resumed = await drain(second, 'indexer', 'events', 1);
    expect(resumed.map((m) => m.value)).toEqual(['e4']);
    // The topic kept its 3 partitions, so the key still maps where Kafka's partitioner puts it.
    expect(resumed[0]!.partition).toBe(partitionForKey('conv-1', 3));
    const replay = await drain(second, 'auditor', 'events', 4);
    expect(replay.map((m) => m.value)).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(replay.map((m) => m.offset)).toEqual(['0', '1', '2', '3']);
    await second.close();
  });

  it('sees messages another process appends to the same file (polling)', async () => {
    const file = freshFile();
    const consumer = new LocalBus({ file, pollIntervalMs: 20, ...quiet });
    const received: BusMessage[] = [];
    const subscription = await consumer.subscribe({ group: 'g', topics: ['shared'], handler: async (m) => void received.push(m) });
    const otherProcess = new LocalBus({ file, ...quiet });
    await otherProcess.publish('shared', [{ key: 'k', value: 'from elsewhere' }]);
    await waitFor(() => received.length === 1, 10_000, 'the foreign message');
    expect(received[0]!.value).toBe('from elsewhere');
    await subscription.stop();
    await Promise.all([consumer.close(), otherProcess.close()]);
  });

  it('wakes the consumers of another bus on the same file in this process at once, without its poll', async () => {
    const file = freshFile();
    const consumer = new LocalBus({ file, pollIntervalMs: 600_000, ...quiet });
    const received: BusMessage[] = [];
    const subscription = await consumer.subscribe({ group: 'g', topics: ['shared'], handler: async (m) => void received.push(m) });
    const otherThread = new LocalBus({ file, pollIntervalMs: 600_000, ...quiet });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the consumer has read everything and waits
    await otherThread.publish('shared', [{ key: 'k', value: 'from the other thread' }]);
    await waitFor(() => received.length === 1, 5_000, 'the message, long before any poll');
    expect(received[0]!.value).toBe('from the other thread');
    await subscription.stop();
    await Promise.all([consumer.close(), otherThread.close()]);
  });

  it('trims messages past retention; groups continue from the oldest retained message', async () => {
    let now = 1_700_000_000_000;
    const bus = new LocalBus({ file: freshFile(), retentionMs: 60_000, now: () => now, ...quiet });
    await bus.publish('audit', ['old-1', 'old-2'].map((value) => ({ key: 'k', value })));
    now += 120_000;
    await bus.publish('audit', [{ key: 'k', value: 'fresh' }]);
    expect(bus.trimExpired()).toBe(2);
    expect((await drain(bus, 'late-reader', 'audit', 1)).map((m) => m.value)).toEqual(['fresh']);
    await bus.close();
  });

  it('reports each failed delivery with the message and attempt number', async () => {
    const reports: BusErrorContext[] = [];
    const bus = new LocalBus({
      file: freshFile(),
      retry: { initialMs: 10, maxMs: 20 },
      onError: (_error, context) => reports.push(context),
    });
    let failures = 0;
    const subscription = await bus.subscribe({
      group: 'g',
      topics: ['jobs'],
      handler: async () => {
        if (failures < 2) {
          failures += 1;
          throw new Error('not yet');
        }
      },
    });
    await bus.publish('jobs', [{ key: 'k', value: 'job-1' }]);
    await waitFor(() => reports.length === 2, 10_000, 'two failure reports');
    expect(reports.map((r) => [r.operation, r.group, r.message?.value, r.attempt])).toEqual([
      ['handle', 'g', 'job-1', 1],
      ['handle', 'g', 'job-1', 2],
    ]);
    await subscription.stop();
    await bus.close();
  });

  it('hands a stopped subscriber’s partitions to the remaining one', async () => {
    const bus = new LocalBus({ file: freshFile(), ...quiet });
    await bus.ensureTopics([{ name: 'work', partitions: 4 }]);
    const a: string[] = [];
    const b: string[] = [];
    const subA = await bus.subscribe({ group: 'g', topics: ['work'], handler: async (m) => void a.push(m.value) });
    const subB = await bus.subscribe({ group: 'g', topics: ['work'], handler: async (m) => void b.push(m.value) });
    await subB.stop();
    const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`);
    await bus.publish('work', keys.map((key) => ({ key, value: key })));
    await waitFor(() => a.length === 20, 10_000, 'all 20 on the remaining subscriber');
    expect(b).toEqual([]);
    await subA.stop();
    await bus.close();
  });

  it('is what createBus returns without KAFKA_BROKERS, stored at <CAAS_DATA_DIR>/bus.sqlite', async () => {
    const dir = join(dataDir, 'from-config');
    const bus = await createBus(loadConfig({ CAAS_DATA_DIR: dir }));
    await bus.ping();
    expect(existsSync(join(dir, 'bus.sqlite'))).toBe(true);
    await bus.close();
    await expect(bus.publish('t', [{ key: 'k', value: 'v' }])).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
  });

  it('is replaced by the Kafka adapter when KAFKA_BROKERS is set, which connects only when first used', async () => {
    const bus = await createBus(loadConfig({ CAAS_DATA_DIR: dataDir, KAFKA_BROKERS: '127.0.0.1:1', CAAS_LOG_LEVEL: 'silent' }));
    expect(bus.name).toBe('kafka');
    await bus.close();
  });
});
