import type { Services } from './context.ts';

/**
 * SIGTERM/SIGINT: marks the process draining (/readyz answers 503 at once, new requests get 503
 * SHUTTING_DOWN), runs `shutdown` once, and exits 0 when it finished; 1 when it failed or did not
 * finish within CAAS_SHUTDOWN_TIMEOUT_MS, whatever is still open. A second signal exits at once.
 */
export function onShutdownSignal(services: Services, shutdown: () => Promise<void>): void {
  const { log, lifecycle, config } = services;
  const handler = (signal: NodeJS.Signals) => {
    if (lifecycle.draining) process.exit(1);
    lifecycle.draining = true;
    const timeoutMs = config.CAAS_SHUTDOWN_TIMEOUT_MS;
    log.info({ signal, timeoutMs }, 'draining for shutdown');
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown did not finish within CAAS_SHUTDOWN_TIMEOUT_MS; exiting anyway');
      process.exit(1);
    }, timeoutMs);
    shutdown()
      .then(() => {
        clearTimeout(timer);
        log.info('drained; exiting');
        process.exit(0);
      })
      .catch((error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
