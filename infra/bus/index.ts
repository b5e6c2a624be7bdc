/** Bus port entry point: picks the adapter from config (KAFKA_BROKERS selects Kafka, none the embedded log). */
import { join } from 'node:path';
import type { Config } from '../../runtime/config.ts';
import { AppError } from '../../runtime/errors.ts';
import { LocalBus } from './local.ts';
import type { BusPort } from './port.ts';

export type { BusPort } from './port.ts';

export async function createBus(config: Config): Promise<BusPort> {
  if (config.KAFKA_BROKERS) {
    throw new AppError('ENGINE_UNAVAILABLE', '[bus] KAFKA_BROKERS is set but the kafka adapter is not built yet');
  }
  return new LocalBus({ file: join(config.CAAS_DATA_DIR, 'bus.sqlite'), defaultPartitions: config.KAFKA_PARTITIONS });
}
