import { assertKeyConfig } from '../infra/kms/index.ts';
import { closePorts, createPorts } from '../infra/ports.ts';
import { retryUntilDone } from '../infra/resilience.ts';
import { systemClock } from './clock.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { exitOnConfigError } from './fatal.ts';
import type { Domain, Services, Startup } from './context.ts';
import { createLogger } from './logger.ts';
import { createReadCache } from './read-cache.ts';

/**
 * Boots what every process needs — router, single-function bundle, worker, realtime node:
 * validated config, a logger, the ports chosen by config. Adapters connect lazily, so this
 * returns at once; preparing the engines (the store's indexes) runs in the background, retried
 * with backoff and logged, until it succeeds. `/readyz` reports it; callers that need the engines
 * prepared await `services.startup.prepared`. A configuration error found there (a wrong master
 * key) is not retried: the process exits 78 naming it (`onFatal`).
 */
export interface StartOptions {
  /**
   * Called when preparing the engines finds the configuration wrong (ConfigError: e.g. a master key
   * other than the data's, found by its key check value), which no retry can fix. Default: the
   * message on stderr and exit code 78. An unreachable engine (or KMS) is retried, never fatal.
   */
  onFatal?: (error: ConfigError) => void;
}

export async function startServices(
  domain: Domain,
  config: Config = loadConfig(),
  bindings: Record<string, unknown> = {},
  options: StartOptions = {},
): Promise<Services> {
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
      // The root of trust: the master key against its key check value (local mode checked it already
      // in createKms), or the AWS KMS against its canary (aws-canary.ts).
      await ports.kms.verify();
    },
    (error, attempt, delayMs) => {
      startup.lastError = error instanceof Error ? error.message : String(error);
      const retryInMs = Math.round(delayMs);
      log.warn({ err: error, attempt, retryInMs }, `engines not ready (${startup.lastError}); retrying in ${retryInMs} ms`);
    },
    { signal: abort.signal, giveUpOn: (error) => error instanceof ConfigError },
  ).then(() => {
    startup.done = true;
    startup.lastError = null;
    if (ports.store.capabilities.concurrentUpdatesKept === false) {
      log.warn(
        { store: ports.store.name },
        'the store loses concurrent updates of one document (FerretDB v1 without its update guard): run infra/engines/lib/ferretdb-update-guard.sql on its PostgreSQL',
      );
    }
    log.debug({ adapters: Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, port.name])) }, 'engines prepared');
  });
  // A process stopped before its engines came up must not report an unhandled rejection.
  startup.prepared.catch((error: unknown) => {
    if (!(error instanceof ConfigError)) return;
    startup.lastError = error.message;
    log.fatal({ err: error }, `refusing to start: ${error.message}`);
    (options.onFatal ?? exitOnConfigError)(error);
  });
  const reads = createReadCache(ports.cache, clock, log, { ttlMs: config.CAAS_READ_CACHE_TTL_MS });
  return { ports, config, clock, log, startup, lifecycle: { draining: false }, credentials: domain.credentials, reads };
}

/** startServices, then wait until the engines are prepared. */
export async function startPreparedServices(
  domain: Domain,
  config: Config = loadConfig(),
  bindings: Record<string, unknown> = {},
  options: StartOptions = {},
): Promise<Services> {
  const services = await startServices(domain, config, bindings, options);
  await services.startup.prepared;
  return services;
}

export async function stopServices(services: Services): Promise<void> {
  services.startup.abort();
  await services.reads.close();
  await closePorts(services.ports);
}
