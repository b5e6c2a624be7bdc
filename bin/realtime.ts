/**
 * Cluster mode: a realtime node. Serves `GET /v1/realtime` (WebSocket) plus /healthz, /readyz and
 * /metrics on PORT; configured only by env. Run as many as needed behind a load balancer: they
 * share the fan-out through the cache's pub/sub (Redis) and the bus consumer group
 * 'realtime-fanout' (Kafka), and a client can resume on any of them.
 */
import { retryUntilDone } from '../infra/resilience.ts';
import { attachRealtime, startRealtime, type RealtimeNode } from '../realtime/index.ts';
import { loadConfig } from '../runtime/config.ts';
import { exitOnStartFailure } from '../runtime/fatal.ts';
import { createHttpMetrics } from '../runtime/http/metrics.ts';
import { operationsApp } from '../runtime/http/operations.ts';
import { serveApp, shutdownLingerMs } from '../runtime/http/serve.ts';
import { onShutdownSignal } from '../runtime/shutdown.ts';
import { startServices, stopServices } from '../runtime/platform.ts';
import { domain } from '../functions/domain.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const services = await startServices(domain, config, { role: 'realtime' });
  const metrics = createHttpMetrics();
  const served = await serveApp(operationsApp(services, metrics), services);
  const server = served.server;

  // Operations answer at once; sockets are accepted once the engines are up (retried, never a crash loop).
  let node: RealtimeNode | null = null;
  const abort = new AbortController();
  const ready = retryUntilDone(
    'start realtime node',
    async () => {
      await services.startup.prepared;
      node = await startRealtime(services, { registry: metrics.registry });
    },
    (error, attempt, delayMs) => services.log.warn({ err: error, attempt, retryInMs: delayMs }, 'realtime node not started; retrying'),
    { signal: abort.signal },
  ).then(() => {
    attachRealtime(server, node!);
    services.log.info({ port: served.port, nodeId: node!.nodeId }, 'realtime node listening');
  });
  ready.catch(() => undefined);

  onShutdownSignal(services, async () => {
    abort.abort();
    await Promise.all([node?.close(), served.close(shutdownLingerMs(config))]);
    await stopServices(services);
  });
}

main().catch((error: unknown) => exitOnStartFailure('realtime node', error));
