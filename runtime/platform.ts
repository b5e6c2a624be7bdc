import { ensureAllIndexes } from '../functions/indexes.ts';
import { closePorts, createPorts } from '../infra/ports.ts';
import { systemClock } from './clock.ts';
import { loadConfig, type Config } from './config.ts';
import type { Services } from './context.ts';
import { createLogger } from './logger.ts';

/**
 * Boots what every process needs — router, single-function bundle, worker, realtime node:
 * validated config, a logger, the ports chosen by config, the store's indexes.
 */
export async function startServices(config: Config = loadConfig(), bindings: Record<string, unknown> = {}): Promise<Services> {
  const log = createLogger(config, bindings);
  const ports = await createPorts(config);
  await ensureAllIndexes(ports.store);
  log.debug({ adapters: Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, port.name])) }, 'ports ready');
  return { ports, config, clock: systemClock, log };
}

export async function stopServices(services: Services): Promise<void> {
  await closePorts(services.ports);
}
