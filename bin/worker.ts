/**
 * Cluster mode: the worker process (outbox relay, bus consumers, pollers). Configured only by env.
 * Serves /metrics (the workers' lags and counts, Node's own), /healthz and /readyz on
 * CAAS_WORKER_METRICS_PORT (0: a free port, logged with `worker running`).
 */
import { loadConfig } from '../runtime/config.ts';
import { exitOnStartFailure } from '../runtime/fatal.ts';
import { operationsApp } from '../runtime/http/operations.ts';
import { serveApp } from '../runtime/http/serve.ts';
import { onShutdownSignal } from '../runtime/shutdown.ts';
import { startServices, stopServices } from '../runtime/platform.ts';
import { startBackgroundWork, type BackgroundWork } from '../workers/index.ts';
import { domain } from '../functions/domain.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const services = await startServices(domain, config, { role: 'worker' });
  // Probes and scrapes answer while the engines are still being prepared (/readyz says so).
  const operations = await serveApp(operationsApp(services), services, config.CAAS_WORKER_METRICS_PORT);
  let work: BackgroundWork | null = null;
  onShutdownSignal(services, async () => {
    // Workers finish the batch in hand and commit before the probes go away.
    await work?.stop();
    await operations.close();
    await stopServices(services);
  });
  await services.startup.prepared;
  if (services.lifecycle.draining) return;
  work = await startBackgroundWork(services);
  services.log.info({ metricsPort: operations.port }, 'worker running');
}

main().catch((error: unknown) => exitOnStartFailure('worker', error));
