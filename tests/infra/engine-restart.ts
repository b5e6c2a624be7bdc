import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Stops and starts engines that infra/engines/up.sh started, with infra/engines/stop.sh and
 * start.sh, on the state dir the tests use (CAAS_ENGINES_STATE, default /tmp/caas-engines): same
 * ports (the state dir records its port offset), same data. `start()` resolves once the engine is
 * ready again by start.sh's check; when the platform's clients notice is for the caller to observe.
 */
const ENGINES_DIR = fileURLToPath(new URL('../../infra/engines/', import.meta.url));
const STATE_DIR = process.env.CAAS_ENGINES_STATE ?? '/tmp/caas-engines';

export type RestartableEngine = 'redis' | 'kafka' | 'elasticsearch' | 's3';

export interface StoppedEngine {
  start(): Promise<void>;
}

export async function stopEngine(engine: RestartableEngine): Promise<StoppedEngine> {
  await assertSameEngines();
  await script('stop.sh', engine);
  return { start: () => script('start.sh', engine) };
}

/**
 * The engines the tests use must be the ones of STATE_DIR: a run with another set's env loaded but
 * CAAS_ENGINES_STATE unset would otherwise restart someone else's engines.
 */
async function assertSameEngines(): Promise<void> {
  const envFile = await readFile(`${STATE_DIR}/env`, 'utf8').catch(() => '');
  const redisUrl = /^REDIS_URL=(.*)$/m.exec(envFile)?.[1];
  if (redisUrl !== process.env.REDIS_URL) {
    throw new Error(`the engines under test (REDIS_URL=${process.env.REDIS_URL}) are not those of ${STATE_DIR} (${redisUrl}); set CAAS_ENGINES_STATE`);
  }
}

async function script(name: 'stop.sh' | 'start.sh', engine: RestartableEngine): Promise<void> {
  await promisify(execFile)('bash', [`${ENGINES_DIR}${name}`, engine], {
    env: { ...process.env, CAAS_ENGINES_STATE: STATE_DIR },
    timeout: 240_000,
  });
}
