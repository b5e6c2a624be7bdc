import { assertKeyConfig } from '../infra/kms/index.ts';
import { closePorts, createPorts } from '../infra/ports.ts';
import { retryUntilDone } from '../infra/resilience.ts';
import { systemClock } from './clock.ts';
import { loadConfig, type Config } from './config.ts';
import type { Domain, Services, Startup } from './context.ts';
import { createLogger } from './logger.ts';
import { createReadCache } from './read-cache.ts';

/**
 * Boots what every process needs — router, single-function bundle, worker, realtime node:
 * validated config, a logger, the ports chosen by config. Adapters connect lazily, so this
 * returns at once; preparing the engines (the store's indexes) runs in the background, retried
 * with backoff and logged, until it succeeds. `/readyz` reports it; callers that need the engines
 * prepared await `services.startup.prepared`.
 */
export async function startServices(domain: Domain, config: Config = loadConfig(), bindings: Record<string, unknown> = {}): Promise<Services> {
  const log = createLogger(config, bindings);
  const clock = systemClock;
  // Every process refuses a cluster config without a master key or KMS here, naming it.
  assertKeyConfig(config);
  const created = await createPorts(config, clock);
  const ports = domain.sealPorts ? domain.sealPorts(created) : created;
  const abort = new AbortController();
  const startup: Startup = {
    done: false,
    lastError: null,
    prepared: Promise.resolve(),
    abort: () => abort.abort(),
  };
  startup.prepared = retryUntilDone(
    'prepare engines',
    async () => {
      for (const { collection, specs } of domain.indexes) await ports.store.ensureIndexes(collection, specs);
      // The master key against its key check value (local mode checked it already in createKms).
      await ports.kms.verify();
    },
    (error, attempt, delayMs) => {
      startup.lastError = error instanceof Error ? error.message : String(error);
      const retryInMs = Math.round(delayMs);
      log.warn({ err: error, attempt, retryInMs }, `engines not ready (${startup.lastError}); retrying in ${retryInMs} ms`);
    },
    { signal: abort.signal },
  ).then(() => {
    startup.done = true;
    startup.lastError = null;
    log.debug({ adapters: Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, port.name])) }, 'engines prepared');
  });
  // A process stopped before its engines came up must not report an unhandled rejection.
  startup.prepared.catch(() => undefined);
  const reads = createReadCache(ports.cache, clock, log, { ttlMs: config.CAAS_READ_CACHE_TTL_MS });
  return { ports, config, clock, log, startup, lifecycle: { draining: false }, credentials: domain.credentials, reads };
}

/** startServices, then wait until the engines are prepared. */
export async function startPreparedServices(
  domain: Domain,
  config: Config = loadConfig(),
  bindings: Record<string, unknown> = {},
): Promise<Services> {
  const services = await startServices(domain, config, bindings);
  await services.startup.prepared;
  return services;
}

export async function stopServices(services: Services): Promise<void> {
  services.startup.abort();
  await services.reads.close();
  await closePorts(services.ports);
}
