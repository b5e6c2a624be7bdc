import { serve, type ServerType } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Services } from '../context.ts';
import type { Router } from './create-router.ts';
import { drainConnections, drainingFetch } from './drain.ts';

export interface RunningServer {
  server: ServerType;
  port: number;
  /**
   * Stops accepting, answers every request it read (runtime/http/drain.ts), closes every
   * connection. `lingerMs`: how long idle kept-alive connections stay open for a request a client
   * may be writing; on a shutdown signal `shutdownLingerMs(config)`, 0 when a test tears down.
   */
  close(lingerMs?: number): Promise<void>;
}

interface FetchApp {
  fetch: Parameters<typeof drainingFetch>[0];
}

/** How long an idle kept-alive connection stays open; clients see it in `Keep-Alive: timeout=5`. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

/**
 * On a shutdown signal, idle kept-alive connections stay open for their keep-alive timeout (a
 * client that honours it never writes on one the drain closes), at most a fifth of the budget.
 */
export function shutdownLingerMs(config: Services['config']): number {
  return Math.min(KEEP_ALIVE_TIMEOUT_MS, Math.round(config.CAAS_SHUTDOWN_TIMEOUT_MS / 5));
}

/**
 * Serves an app on node:http. A client must send its headers within CAAS_HEADERS_TIMEOUT_MS
 * and its whole request within CAAS_REQUEST_TIMEOUT_MS, checked every second, so slow clients
 * (trickled headers) cannot hold connections open for minutes. Drains on close (drain.ts).
 */
export async function serveApp(app: FetchApp, services: Services, port: number = services.config.PORT): Promise<RunningServer> {
  const { HOST, CAAS_HEADERS_TIMEOUT_MS, CAAS_REQUEST_TIMEOUT_MS } = services.config;
  const serverOptions = {
    headersTimeout: Math.min(CAAS_HEADERS_TIMEOUT_MS, CAAS_REQUEST_TIMEOUT_MS),
    requestTimeout: CAAS_REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: Math.min(1_000, CAAS_HEADERS_TIMEOUT_MS),
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  };
  const fetch = drainingFetch(app.fetch, services.lifecycle);
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch, port, hostname: HOST, serverOptions }, () => resolve(started));
  });
  let closing: Promise<void> | null = null;
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close(lingerMs = 0) {
      closing ??= drainConnections(server as Server, lingerMs);
      return closing;
    },
  };
}

/** Serves a router; closing it also flushes its audit trail once the last request was answered. */
export async function serveRouter(router: Router, services: Services): Promise<RunningServer> {
  const served = await serveApp(router.app, services);
  let closing: Promise<void> | null = null;
  return {
    ...served,
    close(lingerMs) {
      closing ??= served.close(lingerMs).then(() => router.audit.flush());
      return closing;
    },
  };
}
