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

/** Serves a router on node:http. */
export async function serveRouter(router: Router, services: Services): Promise<RunningServer> {
  const { PORT, HOST } = services.config;
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: router.app.fetch, port: PORT, hostname: HOST }, () => resolve(started));
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
