/**
 * The background thread (workers/background-thread.ts): its own services on the router's config,
 * the named workers, metrics on request, and a drain when told to stop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { domain } from '../functions/domain.ts';
import { processRegistry } from '../runtime/http/metrics.ts';
import { startPreparedServices, stopServices } from '../runtime/platform.ts';
import { startBackgroundWork } from './index.ts';
import type { FromThread, ThreadStart, ToThread } from './background-thread-messages.ts';

const port = parentPort!;
const { config, names } = workerData as ThreadStart;
const services = await startPreparedServices(domain, config, { role: 'background-thread' });
const work = await startBackgroundWork(services, names);
const send = (message: FromThread) => port.postMessage(message);

port.on('message', (message: ToThread) => {
  if (message.type === 'metrics') {
    void processRegistry.getMetricsAsJSON().then((snapshot) => send({ type: 'metrics', id: message.id, snapshot }));
    return;
  }
  // Finish the batch in hand and commit, let the engines go, then end the thread (not the process).
  work
    .stop()
    .then(() => stopServices(services))
    .then(
      () => process.exit(0),
      (error: unknown) => {
        services.log.error({ err: error }, 'background thread: stopping failed');
        process.exit(1);
      },
    );
});
send({ type: 'ready' });
