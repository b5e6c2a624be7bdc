import type { Domain } from '../context.ts';
import type { AnyFunctionDefinition } from '../define-function.ts';
import { loadConfig } from '../config.ts';
import { createRouter } from '../http/create-router.ts';
import { serveRouter, shutdownLingerMs, type RunningServer } from '../http/serve.ts';
import { onShutdownSignal } from '../shutdown.ts';
import { startServices, stopServices } from '../platform.ts';

/**
 * A Node process serving the given functions: the router (all of them) or a per-function
 * bundle (one). Configured only by env; prints one JSON line when listening.
 */
export async function serveFunctions(domain: Domain, functions: AnyFunctionDefinition[], role: string): Promise<RunningServer> {
  const config = loadConfig();
  const services = await startServices(domain, config, { role });
  const router = createRouter({ services, functions });
  const server = await serveRouter(router, services);
  onShutdownSignal(services, async () => {
    await server.close(shutdownLingerMs(config));
    await stopServices(services);
  });
  services.log.info({ port: server.port, functions: functions.map((fn) => fn.name) }, 'listening');
  return server;
}
