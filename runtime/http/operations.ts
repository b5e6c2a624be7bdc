import { Hono } from 'hono';
import { Registry } from 'prom-client';
import type { Ports, PortName } from '../../infra/ports.ts';
import { isAdminToken } from '../auth/authenticate.ts';
import type { Services } from '../context.ts';
import type { HttpEnv } from './env.ts';
import { backgroundMetrics, createHttpMetrics, type HttpMetrics } from './metrics.ts';
import { requestContext } from './request-context.ts';

const READINESS_TIMEOUT_MS = 2_000;

async function checkPort(name: PortName, ports: Ports): Promise<{ port: PortName; adapter: string; ok: boolean; error?: string }> {
  const port = ports[name];
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      port.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${READINESS_TIMEOUT_MS} ms`)), READINESS_TIMEOUT_MS);
      }),
    ]);
    return { port: name, adapter: port.name, ok: true };
  } catch (error) {
    return { port: name, adapter: port.name, ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * Liveness, readiness (each port pinged; 503 `draining` once shutdown began) and Prometheus metrics. Readiness says to anyone which
 * port is down; adapters and error text (engine addresses) only with the admin token.
 */
export function mountOperations(app: Hono<HttpEnv>, metrics: HttpMetrics): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const { ports, startup, lifecycle } = c.get('services');
    // Draining: out of the load balancer at once, whatever the engines say.
    if (lifecycle.draining) return c.json({ status: 'draining' }, 503);
    const checks = await Promise.all((Object.keys(ports) as PortName[]).map((name) => checkPort(name, ports)));
    const ready = startup.done && checks.every((check) => check.ok);
    const token = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    const detailed = token !== undefined && isAdminToken(c.get('services'), token);
    const status = ready ? 'ready' : 'not ready';
    if (!detailed) {
      return c.json({ status, startup: { prepared: startup.done }, checks: checks.map(({ port, ok }) => ({ port, ok })) }, ready ? 200 : 503);
    }
    return c.json({ status, startup: { prepared: startup.done, lastError: startup.lastError }, checks }, ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    // Merged per scrape: workers may register their metrics after the router was built.
    const registry = Registry.merge([metrics.registry, await backgroundMetrics()]);
    c.header('content-type', registry.contentType);
    return c.body(await registry.metrics());
  });
}

/**
 * An app serving only the operations endpoints, for processes without a router: a realtime node
 * (bin/realtime.ts, which adds its socket metrics to `metrics.registry`) and a worker (bin/worker.ts).
 */
export function operationsApp(services: Services, metrics: HttpMetrics = createHttpMetrics()): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.use('*', requestContext(services));
  mountOperations(app, metrics);
  return app;
}
