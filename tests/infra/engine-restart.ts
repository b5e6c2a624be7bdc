import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Stops and starts engines that infra/engines/up.sh started, with its own helpers, on the state dir
 * the tests use (CAAS_ENGINES_STATE, default /tmp/caas-engines): SIGTERM to the process group as
 * down.sh does, then a new process on the same port with the same data, its pid file updated so
 * down.sh still finds it. How each engine comes back:
 * - redis: `redis_start` from lib/redis.sh on the port the tests use (the set may run with a port
 *   offset). Its command line cannot be reused: Redis rewrites its process title.
 * - kafka: the very command line it was running, through `start_daemon` (`kafka_start` would
 *   format the storage again, which a formatted data dir refuses).
 * A start resolves once the process runs; when it answers is for the caller's client to observe.
 */
const ENGINES_DIR = fileURLToPath(new URL('../../infra/engines/', import.meta.url));
const STATE_DIR = process.env.CAAS_ENGINES_STATE ?? '/tmp/caas-engines';

type Engine = 'redis' | 'kafka';

export interface StoppedEngine {
  start(): Promise<void>;
}

export async function stopEngine(engine: Engine, port: number): Promise<StoppedEngine> {
  const commandLine = engine === 'kafka' ? await runningCommandLine(engine) : [];
  const start =
    engine === 'redis'
      ? `source "$ENGINES_DIR/lib/redis.sh"; REDIS_PORT=${port}; redis_start; await redis 60 redis_ready`
      : 'start_daemon kafka "$@"';
  await engines(`stop_daemon ${engine}`);
  return {
    start: async () => {
      await engines(start, commandLine);
    },
  };
}

async function runningCommandLine(engine: Engine): Promise<string[]> {
  const pid = (await engines(`daemon_pid ${engine}`)).trim();
  const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  return args.slice(0, -1);
}

/** Runs a snippet with lib/common.sh loaded; `args` become "$@". Resolves with its stdout. */
async function engines(snippet: string, args: string[] = []): Promise<string> {
  const script = `set -euo pipefail\nsource "$ENGINES_DIR/lib/common.sh"\n${snippet}`;
  const { stdout } = await promisify(execFile)('bash', ['-c', script, 'engines', ...args], {
    env: { ...process.env, ENGINES_DIR, CAAS_ENGINES_STATE: STATE_DIR },
    timeout: 120_000,
  });
  return stdout;
}
