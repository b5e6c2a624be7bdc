import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Services } from '../context.ts';
import type { Router } from './create-router.ts';

export interface RunningServer {
  server: ServerType;
  port: number;
  /** Stops accepting, lets in-flight requests finish, flushes the audit trail. */
  close(): Promise<void>;
}

/**
 * Serves a router on node:http. A client must send its headers within CAAS_HEADERS_TIMEOUT_MS
 * and its whole request within CAAS_REQUEST_TIMEOUT_MS, checked every second, so slow clients
 * (trickled headers) cannot hold connections open for minutes.
 */
export async function serveRouter(router: Router, services: Services): Promise<RunningServer> {
  const { PORT, HOST, CAAS_HEADERS_TIMEOUT_MS, CAAS_REQUEST_TIMEOUT_MS } = services.config;
  const serverOptions = {
    headersTimeout: Math.min(CAAS_HEADERS_TIMEOUT_MS, CAAS_REQUEST_TIMEOUT_MS),
    requestTimeout: CAAS_REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: Math.min(1_000, CAAS_HEADERS_TIMEOUT_MS),
  };
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: router.app.fetch, port: PORT, hostname: HOST, serverOptions }, () => resolve(started));
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  return {
    server,
    port,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await router.audit.flush();
      })();
      return closing;
    },
  };
}

/** SIGTERM/SIGINT: run the shutdown once, then exit; a second signal exits at once. */
export function onShutdownSignal(shutdown: () => Promise<void>, log: Services['log']): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    shutdown()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
