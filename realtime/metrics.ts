/**
 * Prometheus metrics of a realtime node, on the registry the process already exposes at /metrics.
 * Hot-path counts are plain numbers read at scrape time, so fan-out to thousands of sockets costs
 * no metric call per socket.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export type DisconnectReason = 'client' | 'slow_consumer' | 'dead_peer' | 'rate_limited' | 'unauthenticated' | 'shutdown' | 'error';

export interface RealtimeMetrics {
  disconnected(reason: DisconnectReason): void;
}

export interface MetricSources {
  connections(): number;
  sent(): number;
  replayed(): number;
  resyncs(): number;
}

function scrapedCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

export function createRealtimeMetrics(registry: Registry, sources: MetricSources): RealtimeMetrics {
  const disconnects = new Counter({
    name: 'caas_realtime_disconnects_total',
    help: 'Sockets closed, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const metrics: RealtimeMetrics = { disconnected: (reason) => disconnects.inc({ reason }) };
  new Gauge({
    name: 'caas_realtime_connections',
    help: 'Open realtime sockets on this node',
    registers: [registry],
    collect() {
      this.set(sources.connections());
    },
  });
  scrapedCounter(registry, 'caas_realtime_frames_sent_total', 'Frames sent to clients (live, replayed and signals)', sources.sent);
  scrapedCounter(registry, 'caas_realtime_events_replayed_total', 'Events read from the store and sent on resume or to fill a gap', sources.replayed);
  scrapedCounter(registry, 'caas_realtime_resyncs_total', 'Resync signals sent: too much missed to replay', sources.resyncs);
  return metrics;
}
