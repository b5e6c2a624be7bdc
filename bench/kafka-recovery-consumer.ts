/**
 * One member of the group bench/kafka-recovery.ts measures: subscribes with the Kafka adapter and
 * prints one JSON line per message (`{"p":partition,"seq":n,"at":ms}`). On SIGTERM it leaves the
 * group as a draining worker does (subscription.stop(): commit, LeaveGroup), then exits.
 *
 *   KAFKA_BROKERS=… npx tsx bench/kafka-recovery-consumer.ts <topic> <group>
 */
import { createKafkaBus } from '../infra/bus/kafka.ts';

const [topic, group] = process.argv.slice(2) as [string, string];
const bus = createKafkaBus({ brokers: process.env.KAFKA_BROKERS!.split(','), onError: () => undefined });
const subscription = await bus.subscribe({
  group,
  topics: [topic],
  fromBeginning: false,
  handler: async (message) => {
    const { seq } = JSON.parse(message.value) as { seq: number };
    process.stdout.write(`${JSON.stringify({ p: message.partition, seq, at: Date.now() })}\n`);
  },
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
process.once('SIGTERM', () => {
  void subscription
    .stop()
    .then(() => bus.close())
    .finally(() => process.exit(0));
});
