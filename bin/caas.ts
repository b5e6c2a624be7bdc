/**
 * `npm start`: the whole platform in one process, local mode by default (embedded engines under
 * CAAS_DATA_DIR; the bus consumers then run in a worker thread of the process), any engine named
 * by its URL in the environment.
 */
import { assertKeyConfig } from '../infra/kms/index.ts';
import { LocalKms } from '../infra/kms/local.ts';
import { functions } from '../routes.ts';
import { resolveAdminToken } from '../runtime/admin-token.ts';
import { loadConfig, publicUrl } from '../runtime/config.ts';
import { exitOnStartFailure } from '../runtime/fatal.ts';
import { createRouter } from '../runtime/http/create-router.ts';
import { serveRouter, shutdownLingerMs } from '../runtime/http/serve.ts';
import { onShutdownSignal } from '../runtime/shutdown.ts';
import { startPreparedServices, stopServices } from '../runtime/platform.ts';
import { attachRealtime, startRealtime } from '../realtime/index.ts';
import { startAllInOneWork } from '../workers/background-thread.ts';
import { ensureDemoApp } from './demo-app.ts';
import { domain } from '../functions/domain.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  assertKeyConfig(config);
  const admin = await resolveAdminToken(config);
  config.CAAS_ADMIN_TOKEN = admin.token;
  const services = await startPreparedServices(domain, config, { role: 'all-in-one' });
  const router = createRouter({ services, functions });
  const server = await serveRouter(router, services);
  const realtime = await startRealtime(services, { registry: router.metrics.registry });
  attachRealtime(server.server, realtime);
  // Local mode: the bus consumers get a thread (a core) of their own; the relay and pollers stay here.
  const work = await startAllInOneWork(services);
  // Drain order: sockets told to resume elsewhere and requests answered, then the workers finish
  // their batch and commit, then the engines are let go (runtime/shutdown.ts bounds it all).
  onShutdownSignal(services, async () => {
    await Promise.all([realtime.close(), server.close(shutdownLingerMs(config))]);
    await work.stop();
    await stopServices(services);
  });

  // With PORT=0 the port is known only now; links the runtime signs itself must name it.
  config.CAAS_PUBLIC_URL ??= `http://localhost:${server.port}`;
  const base = publicUrl(config);
  const demo = await ensureDemoApp(services);
  const kms = services.ports.kms;
  const generatedMasterKey = kms instanceof LocalKms ? kms.generatedFile : undefined;
  const adapters = Object.entries(services.ports).map(([port, adapter]) => `${port}=${adapter.name}`).join(' ');
  process.stdout.write(
    [
      '',
      `CaaS is running at ${base}   (${adapters}, data in ${config.CAAS_DATA_DIR})`,
      `  API docs      ${base}/docs`,
      `  console       ${base}/console/`,
      `  realtime      ${base.replace(/^http/, 'ws')}/v1/realtime`,
      `  admin token   ${admin.token}${admin.generated ? '   (generated; kept in the data dir)' : ''}`,
      ...(generatedMasterKey ? [`  master key    generated into ${generatedMasterKey}: back it up, data encrypted at rest is unreadable without it`] : []),
      `  demo app      ${demo.appId}`,
      `  server key    ${demo.serverKey}`,
      ...demo.users.map((user) => `  ${user.id.padEnd(13)} ${user.token}`),
      `  (user tokens last 24 h; every start prints fresh ones, or mint one:`,
      `   curl -s -X POST ${base}/v1/users/${demo.users[0]?.id ?? 'alice'}/tokens -H "Authorization: Bearer ${demo.serverKey}" -H 'content-type: application/json' -d '{"ttlSeconds":86400}')`,
      '',
      `  try: curl -s ${base}/v1/me -H "Authorization: Bearer ${demo.users[0]?.token ?? ''}"`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => exitOnStartFailure('CaaS', error));
