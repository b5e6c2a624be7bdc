/** Bus port entry point: picks the adapter from config (KAFKA_BROKERS selects Kafka, none the embedded log). */
import { join } from 'node:path';
import { systemClock, type Clock } from '../../runtime/clock.ts';
import type { Config } from '../../runtime/config.ts';
import { createLogger } from '../../runtime/logger.ts';
import { LocalBus } from './local.ts';
import type { BusPort } from './port.ts';

export type { BusPort } from './port.ts';

/**
 * The Kafka adapter connects on first use, so a broker that is down at startup does not stop the
 * process: calls fail with ENGINE_UNAVAILABLE and /readyz names the bus until it is back.
 */
export async function createBus(config: Config, clock: Clock = systemClock): Promise<BusPort> {
  if (config.KAFKA_BROKERS) {
    // Loaded only here: local mode (and a function bundle's start-up) never pays for kafkajs.
    const { createKafkaBus } = await import('./kafka.ts');
    const log = createLogger(config, { component: 'bus:kafka' });
    return createKafkaBus({
      brokers: config.KAFKA_BROKERS.split(','),
      defaultPartitions: config.KAFKA_PARTITIONS,
      log,
      onError: (error, context) =>
        log.error(
          { err: error, ...context, message: context.message && { topic: context.message.topic, offset: context.message.offset } },
          context.operation === 'handle' ? 'bus handler failed; the message will be redelivered' : 'bus consumer stopped',
        ),
    });
  }
  return new LocalBus({ file: join(config.CAAS_DATA_DIR, 'bus.sqlite'), defaultPartitions: config.KAFKA_PARTITIONS, now: () => clock.now() });
}
