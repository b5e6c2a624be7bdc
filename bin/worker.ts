/** Cluster mode: the worker process (outbox relay and bus consumers). Configured only by env. */
import { loadConfig } from '../runtime/config.ts';
import { exitOnStartFailure } from '../runtime/fatal.ts';
import { onShutdownSignal } from '../runtime/http/serve.ts';
import { startPreparedServices, stopServices } from '../runtime/platform.ts';
import { startBackgroundWork } from '../workers/index.ts';
import { domain } from '../functions/domain.ts';

async function main(): Promise<void> {
  const services = await startPreparedServices(domain, loadConfig(), { role: 'worker' });
  const work = await startBackgroundWork(services);
  onShutdownSignal(async () => {
    await work.stop();
    await stopServices(services);
  }, services.log);
  services.log.info('worker running');
}

main().catch((error: unknown) => exitOnStartFailure('worker', error));
