import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newSecret } from '../../runtime/ids.ts';
import { runScenario } from '../faults/scenario.ts';
import { freePort, ServiceProcess } from '../faults/service-process.ts';
import { sleep } from '../support/wait-for.ts';
import { stopEngine, type RestartableEngine, type StoppedEngine } from './engine-restart.ts';

/**
 * The fault suite on the engines (issue 16): cluster mode — router, worker and realtime node, each
 * its own process — under 16 concurrent senders with client retries and a resuming socket, while
 * the router is killed (SIGKILL) or stopped (SIGTERM) and restarted, Redis and the Kafka broker are
 * restarted, and Elasticsearch and the S3 server are stopped and started (uploads retried). The
 * checker (tests/faults/checker.ts) must find nothing lost, duplicated, stranded, reordered, missing
 * or made up. This file restarts the engines of CAAS_ENGINES_STATE (default /tmp/caas-engines):
 * vitest.infra.config.ts runs it last, and every engine it stopped is started again after each
 * test, pass or fail.
 */
const ENGINE_VARS = ['MONGO_URL', 'REDIS_URL', 'KAFKA_BROKERS', 'ELASTICSEARCH_URL', 'S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_REGION'];
const ADMIN = `adm_${newSecret(24)}`;
const HOLD_MS = 2_000;

let dataDir: string;
let router: ServiceProcess;
const processes: ServiceProcess[] = [];
const stopped = new Map<RestartableEngine, StoppedEngine>();

async function service(script: string, ready: string, env: Record<string, string>): Promise<ServiceProcess> {
  const proc = new ServiceProcess(script, ready, env, await freePort());
  processes.push(proc);
  await proc.start();
  return proc;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'caas-faults-cluster-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    CAAS_DATA_DIR: dataDir,
    CAAS_ADMIN_TOKEN: ADMIN,
    CAAS_NAMESPACE: `flt${newSecret(6).toLowerCase().replace(/[^a-z0-9]/g, '')}`,
    CAAS_MASTER_KEY: `faults-master-${newSecret(24)}`,
    CAAS_LOG_LEVEL: 'info',
    CAAS_RATE_LIMIT_USER: '0',
    CAAS_RATE_LIMIT_IP: '0',
    CAAS_WORKER_METRICS_PORT: '0',
  };
  for (const name of ENGINE_VARS) if (process.env[name]) env[name] = process.env[name]!;
  router = await service('bin/router.ts', '"listening"', env);
  await service('bin/worker.ts', 'worker running', env);
  await service('bin/realtime.ts', 'realtime node listening', env);
}, 180_000);

/** Whatever a test left stopped is started again, so the next suites find every engine up. */
afterEach(async () => {
  for (const [engine, handle] of stopped) {
    await handle.start();
    stopped.delete(engine);
  }
}, 300_000);

afterAll(async () => {
  for (const proc of processes.reverse()) await proc.stop('SIGTERM', 30_000);
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

function scenario(name: string, fault: { inject(): Promise<void>; undo(): Promise<void> }, uploaders?: number) {
  return runScenario({ name, apiUrl: router.url, realtimeUrl: processes[2]!.url, adminToken: ADMIN, uploaders, ...fault });
}

function engineOutage(engine: RestartableEngine) {
  return {
    inject: async () => {
      stopped.set(engine, await stopEngine(engine));
      await sleep(HOLD_MS);
    },
    undo: async () => {
      await stopped.get(engine)!.start();
      stopped.delete(engine);
    },
  };
}

describe('fault suite, cluster mode on the engines', { timeout: 300_000 }, () => {
  it('router SIGKILL mid-load, restarted: nothing lost, doubled, stranded or reordered', async () => {
    const { verdict } = await scenario('router SIGKILL', { inject: () => router.stop('SIGKILL').then(() => undefined), undo: () => router.start() });
    expect(verdict.violations).toEqual([]);
  });

  it('router SIGTERM mid-load, restarted: it exits by itself and nothing is lost, doubled or stranded', async () => {
    let exitedByItself = true;
    const { verdict } = await scenario('router SIGTERM', {
      inject: async () => void (exitedByItself = await router.stop('SIGTERM', 30_000)),
      undo: () => router.start(),
    });
    expect(verdict.violations).toEqual([]);
    expect(exitedByItself, 'the router did not exit within 30 s of SIGTERM (its drain is bounded by CAAS_SHUTDOWN_TIMEOUT_MS, 25 s)').toBe(true);
  });

  it('Redis restarted mid-load', async () => {
    expect((await scenario('Redis restart', engineOutage('redis'))).verdict.violations).toEqual([]);
  });

  it('Kafka broker restarted mid-load', async () => {
    expect((await scenario('Kafka broker restart', engineOutage('kafka'))).verdict.violations).toEqual([]);
  });

  it('Elasticsearch stopped and started mid-load', async () => {
    expect((await scenario('Elasticsearch stop/start', engineOutage('elasticsearch'))).verdict.violations).toEqual([]);
  });

  it('S3 server stopped and started mid-load, uploads retried until completed', async () => {
    const { verdict, history } = await scenario('S3 stop/start', engineOutage('s3'), 2);
    expect(verdict.violations).toEqual([]);
    expect(history.uploads!.records.filter((upload) => upload.attempts.some((a) => a.outcome !== 'acked')).length).toBeGreaterThan(0);
  });
});
