import { clusterModeBy } from '../infra/kms/master-key.ts';
import type { Services } from '../runtime/context.ts';
import { addThreadMetrics, type MetricsSnapshot } from '../runtime/http/metrics.ts';
import { startWorkerThread } from '../runtime/worker-thread.ts';
import { startBackgroundWork, THREAD_WORKERS, workers, type BackgroundWork } from './index.ts';
import type { FromThread, ThreadStart, ToThread } from './background-thread-messages.ts';

/**
 * Background work in a worker thread of this process: `npm start` runs the bus consumers there, so
 * they get the machine's second core instead of sharing the router's event loop. The thread
 * builds its own services on the same config and is to the router what a worker process is in
 * cluster mode: the embedded adapters are safe across threads and processes (SQLite in WAL mode,
 * unique indexes as referees), and the embedded bus wakes the thread's consumers as soon as the
 * router's relay publishes (infra/bus/local.ts). Its read cache is its own, so what the thread
 * reads through it is at most CAAS_READ_CACHE_TTL_MS old, as in another process; a data key
 * shredded by an erasure is forgotten in every thread at once (functions/crypto/shredded-keys.ts).
 * Its metrics are summed into this process's /metrics.
 *
 * Resolves once the thread's workers run; rejects if it could not start them. A thread that dies
 * later takes the process down (exit 1), as an uncaught error in the process itself would.
 */
export function startBackgroundThread(services: Services, names: string[]): Promise<BackgroundWork> {
  const start: ThreadStart = { config: services.config, names };
  const thread = startWorkerThread(new URL(`./background-thread-entry${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url), start);
  const { log } = services;
  const tell = (message: ToThread) => thread.postMessage(message);

  let stopping = false;
  let requests = 0;
  const metricsRequests = new Map<number, (snapshot: MetricsSnapshot) => void>();
  let stopped: () => void = () => {};
  const onStopped = new Promise<void>((resolve) => (stopped = resolve));

  return new Promise<BackgroundWork>((resolve, reject) => {
    let ready = false;
    let removeMetrics = () => {};
    thread.on('message', (message: FromThread) => {
      if (message.type === 'ready') {
        ready = true;
        removeMetrics = addThreadMetrics(
          () =>
            new Promise<MetricsSnapshot>((answer) => {
              const id = (requests += 1);
              metricsRequests.set(id, answer);
              tell({ type: 'metrics', id });
            }),
        );
        resolve({
          async stop() {
            stopping = true;
            tell({ type: 'stop' });
            await onStopped;
            removeMetrics();
          },
        });
      } else if (message.type === 'metrics') {
        metricsRequests.get(message.id)?.(message.snapshot);
        metricsRequests.delete(message.id);
      }
    });
    thread.on('error', (error) => {
      if (!ready) return reject(error);
      log.fatal({ err: error }, 'background thread failed; exiting');
      process.exit(1);
    });
    thread.on('exit', (code) => {
      for (const answer of metricsRequests.values()) answer([]);
      metricsRequests.clear();
      if (!ready) return reject(new Error(`the background thread exited with code ${code} before its workers started`));
      if (stopping) return stopped();
      log.fatal({ code }, 'background thread exited unexpectedly; exiting');
      process.exit(1);
    });
  });
}

/**
 * `npm start`'s background work. In local mode the bus consumers (THREAD_WORKERS) run in a thread
 * and the rest beside the router. On engines (cluster mode) all of it stays beside the router:
 * consumers there belong in worker processes (bin/worker.ts), and a thread measured slower (its
 * own key cache unwraps data keys through the KMS again, and FerretDB, not the router's core, is
 * the limit; docs/benchmarks.md).
 */
export async function startAllInOneWork(services: Services): Promise<BackgroundWork> {
  if (clusterModeBy(services.config)) return startBackgroundWork(services);
  const here = await startBackgroundWork(services, Object.keys(workers).filter((name) => !THREAD_WORKERS.includes(name)));
  const thread = await startBackgroundThread(services, THREAD_WORKERS).catch(async (error: unknown) => {
    await here.stop();
    throw error;
  });
  return {
    async stop() {
      await Promise.all([thread.stop(), here.stop()]);
    },
  };
}
