/**
 * Kafka recovery times (docs/operations.md, "Recovery times"), on the broker named by KAFKA_BROKERS:
 *
 * (a) SIGKILL one of two consumer processes of a group: time until the other one receives events
 *     of every partition the dead one held (the session timeout, then a rebalance);
 * (b) SIGTERM instead (the member leaves the group as a draining worker does): the same time;
 * (c) with --restart-broker <state dir> (a private set of engines, never the shared one): the
 *     broker is restarted while a producer and a consumer run; time from the broker serving again
 *     to the producer's first accepted send and to the consumer's first event.
 *
 *   set -a; . /tmp/caas-engines/env; set +a; npx tsx bench/kafka-recovery.ts [--runs 3]
 *   CAAS_ENGINES_STATE=/tmp/engines-x CAAS_ENGINES_PORT_OFFSET=200 bash infra/engines/up.sh kafka
 *   set -a; . /tmp/engines-x/env; set +a; npx tsx bench/kafka-recovery.ts --restart-broker /tmp/engines-x
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createKafkaBus } from '../infra/bus/kafka.ts';
import { partitionForKey } from '../infra/bus/partitioner.ts';
import { restartBroker } from './kafka-broker-restart.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'restart-broker': { type: 'string' } } });
const PARTITIONS = 6;
const brokers = process.env.KAFKA_BROKERS!.split(',');
const bus = createKafkaBus({ brokers, onError: () => undefined });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// One key per partition, so every tick publishes to every partition.
const keys = Array.from({ length: PARTITIONS }, (_, p) => {
  for (let i = 0; ; i++) if (partitionForKey(`k${i}`, PARTITIONS) === p) return `k${i}`;
});

interface Member {
  child: ChildProcess;
  /** Partition -> when this member last received from it. */
  seen: Map<number, number>;
  ready: Promise<void>;
}

function member(topic: string, group: string): Member {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/kafka-recovery-consumer.ts', topic, group], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  const seen = new Map<number, number>();
  const ready = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const record = JSON.parse(line) as { ready?: boolean; p: number; at: number };
      if (record.ready) resolve();
      else seen.set(record.p, record.at);
    });
  });
  return { child, seen, ready };
}

/** Publishes one event to every partition every 20 ms until stopped; failed sends are retried by the next tick. */
function publisher(topic: string): { stop(): Promise<void>; firstSentAfter(at: number): number | undefined } {
  let running = true;
  let seq = 0;
  const sent: number[] = [];
  const loop = (async () => {
    while (running) {
      seq += 1;
      try {
        await bus.publish(topic, keys.map((key) => ({ key, value: JSON.stringify({ seq }) })));
        sent.push(Date.now());
      } catch {
        // The broker is away; the next tick tries again.
      }
      await sleep(20);
    }
  })();
  return { stop: async () => void ((running = false), await loop), firstSentAfter: (at) => sent.find((t) => t >= at) };
}

async function until(predicate: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(10);
  }
}

async function reassignment(signal: 'SIGKILL' | 'SIGTERM', run: number): Promise<number> {
  const topic = `bench-recovery-${Date.now()}-${run}`;
  await bus.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  const [a, b] = [member(topic, `${topic}-g`), member(topic, `${topic}-g`)];
  await Promise.all([a.ready, b.ready]);
  const sending = publisher(topic);
  await until(() => a.seen.size + b.seen.size >= PARTITIONS && a.seen.size > 0 && b.seen.size > 0);
  await sleep(500);
  const held = [...b.seen.keys()].filter((p) => !a.seen.has(p) || a.seen.get(p)! < Date.now() - 300);
  const killedAt = Date.now();
  b.child.kill(signal);
  await until(() => held.every((p) => (a.seen.get(p) ?? 0) > killedAt));
  const took = Math.max(...held.map((p) => a.seen.get(p)!)) - killedAt;
  await sending.stop();
  a.child.kill('SIGKILL');
  return took;
}

async function brokerRestart(stateDir: string): Promise<{ producer: number; consumer: number; down: number }> {
  const topic = `bench-restart-${Date.now()}`;
  await bus.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  const a = member(topic, `${topic}-g`);
  await a.ready;
  const sending = publisher(topic);
  await until(() => a.seen.size === PARTITIONS);
  const broker = await restartBroker(stateDir, 2_000);
  await until(() => [...a.seen.values()].some((at) => at > broker.readyAt), 120_000);
  const consumer = Math.min(...[...a.seen.values()].filter((at) => at > broker.readyAt)) - broker.readyAt;
  const producer = (sending.firstSentAfter(broker.readyAt) ?? NaN) - broker.readyAt;
  await sending.stop();
  a.child.kill('SIGKILL');
  return { producer, consumer, down: broker.readyAt - broker.stoppedAt };
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const stateDir = values['restart-broker'];
if (stateDir) {
  const result = await brokerRestart(stateDir);
  console.log(`(c) broker restart (down ${result.down} ms): producer back ${result.producer} ms, consumer back ${result.consumer} ms after the broker served again`);
} else {
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    const times: number[] = [];
    for (let run = 0; run < Number(values.runs); run++) times.push(await reassignment(signal, run));
    console.log(`(${signal === 'SIGKILL' ? 'a' : 'b'}) ${signal} of one of two members: partitions reassigned and consumed after ${times.join(', ')} ms (median ${median(times)} ms)`);
  }
}
await bus.close();
process.exit(0);
