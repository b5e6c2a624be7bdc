import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { functions } from '../../routes.ts';
import { loadConfig, type Config } from '../../runtime/config.ts';
import type { Services } from '../../runtime/context.ts';
import { createRouter, type Router } from '../../runtime/http/create-router.ts';
import { serveRouter, type RunningServer } from '../../runtime/http/serve.ts';
import { newSecret } from '../../runtime/ids.ts';
import { startPreparedServices, stopServices } from '../../runtime/platform.ts';
import { attachRealtime, startRealtime, type RealtimeNode, type StartRealtimeOptions } from '../../realtime/index.ts';
import { startBackgroundWork, type BackgroundWork } from '../../workers/index.ts';
import { domain } from '../../functions/domain.ts';

/** The real local runtime on an ephemeral port with a fresh data dir: tests talk HTTP to it. */
export interface LocalPlatform {
  url: string;
  adminToken: string;
  services: Services;
  router: Router;
  realtime: RealtimeNode;
  dataDir: string;
  close(): Promise<void>;
}

const ENGINE_VARS = [
  'MONGO_URL',
  'REDIS_URL',
  'KAFKA_BROKERS',
  'ELASTICSEARCH_URL',
  'S3_ENDPOINT',
  'S3_BUCKET',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'S3_REGION',
  'KMS_ENDPOINT',
  'KMS_REGION',
  'KMS_ACCESS_KEY_ID',
  'KMS_SECRET_ACCESS_KEY',
];

/**
 * In `npm run test:infra` (CAAS_E2E_ENGINES=1) the same end-to-end suites run on the real engines
 * named in the environment, each platform in a namespace of its own so parallel files never meet.
 */
export function engineEnv(): Record<string, string> {
  if (process.env.CAAS_E2E_ENGINES !== '1') return {};
  // Cluster mode needs a master key (or KMS_ENDPOINT): one per test platform.
  const env: Record<string, string> = { CAAS_NAMESPACE: `t${newSecret(6).toLowerCase().replace(/[^a-z0-9]/g, '')}`, CAAS_MASTER_KEY: `test-master-${newSecret(24)}` };
  for (const name of ENGINE_VARS) if (process.env[name]) env[name] = process.env[name]!;
  return env;
}

export async function startLocalPlatform(env: Record<string, string> = {}, options: { realtime?: StartRealtimeOptions } = {}): Promise<LocalPlatform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'caas-e2e-'));
  const adminToken = `adm_${newSecret(24)}`;
  const config: Config = loadConfig({
    ...engineEnv(),
    PORT: '0',
    HOST: '127.0.0.1',
    CAAS_DATA_DIR: dataDir,
    CAAS_ADMIN_TOKEN: adminToken,
    CAAS_LOG_LEVEL: 'silent',
    ...env,
  });
  const services = await startPreparedServices(domain, config).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  const router = createRouter({ services, functions });
  let server: RunningServer;
  let realtime: RealtimeNode;
  let work: BackgroundWork;
  try {
    server = await serveRouter(router, services);
    realtime = await startRealtime(services, { registry: router.metrics.registry, ...options.realtime });
    attachRealtime(server.server, realtime);
    work = await startBackgroundWork(services);
  } catch (error) {
    await stopServices(services);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  config.CAAS_PUBLIC_URL = `http://127.0.0.1:${server.port}`;
  return {
    url: `http://127.0.0.1:${server.port}`,
    adminToken,
    services,
    router,
    realtime,
    dataDir,
    async close() {
      await realtime.close();
      await server.close();
      await work.stop();
      await stopServices(services);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
