import { AggregatorRegistry, Counter, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';

/**
 * Metrics owned by no router (background workers register theirs here, once per process); every
 * router's /metrics serves them beside its own.
 */
export const processRegistry = new Registry();

export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/** Other threads of this process whose background metrics belong in /metrics (workers/background-thread.ts). */
const threadSources = new Set<() => Promise<MetricsSnapshot>>();

/** Adds a thread's processRegistry to this process's /metrics; returns its removal. */
export function addThreadMetrics(source: () => Promise<MetricsSnapshot>): () => void {
  threadSources.add(source);
  return () => threadSources.delete(source);
}

/** processRegistry, summed with the same metrics of every other thread of this process. */
export async function backgroundMetrics(): Promise<Registry> {
  if (threadSources.size === 0) return processRegistry;
  const snapshots = await Promise.all([processRegistry.getMetricsAsJSON(), ...[...threadSources].map((source) => source())]);
  return AggregatorRegistry.aggregate(snapshots);
}

/** Prometheus metrics for one process: default Node metrics plus HTTP request counts and latency. */
export interface HttpMetrics {
  registry: Registry;
  middleware: MiddlewareHandler;
}

export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'caas_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'caas_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const middleware: MiddlewareHandler = async (c, next) => {
    const started = performance.now();
    await next();
    const endpoint = matchedRoutes(c).findLast((route) => route.method !== 'ALL');
    const route = endpoint?.path ?? 'unmatched';
    requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    duration.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
  };
  return { registry, middleware };
}
