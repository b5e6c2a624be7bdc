import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ENGINES_DIR = fileURLToPath(new URL('../../infra/engines/', import.meta.url));

/**
 * How each engine comes back, with infra/engines's own helpers, on the same port and state dir (so
 * the pid file stays right for down.sh):
 * - redis: `redis_start` from lib/redis.sh, on the port the tests use (the set may have been
 *   started with a port offset). Its command line cannot be reused: Redis rewrites its process title.
 * - kafka: the very command line it was running (`kafka_start` would format the storage again,
 *   which a formatted data dir refuses), through `start_daemon`.
 */
const RESTART = {
  redis: `
    source "$ENGINES_DIR/lib/redis.sh"
    REDIS_PORT="$PORT"
    stop_daemon redis
    redis_start
    await redis 60 redis_ready
  `,
  kafka: `
    pid="$(daemon_pid kafka)" || { echo "kafka is not running from $STATE_DIR" >&2; exit 1; }
    mapfile -d '' command < "/proc/$pid/cmdline"
    stop_daemon kafka
    start_daemon kafka "\${command[@]}"
  `,
} as const;

/**
 * Restarts one engine that infra/engines/up.sh started, in place: SIGTERM to its process group (as
 * down.sh does), then a new process with the same port and data. Uses the state dir the tests use
 * (CAAS_ENGINES_STATE, default /tmp/caas-engines). Resolves once the new process runs; when it
 * answers again is for the caller to observe through its own client.
 */
export async function restartEngine(name: keyof typeof RESTART, port: number): Promise<void> {
  const script = `set -euo pipefail\nsource "$ENGINES_DIR/lib/common.sh"\n${RESTART[name]}`;
  await promisify(execFile)('bash', ['-c', script], {
    env: { ...process.env, ENGINES_DIR, PORT: String(port) },
    timeout: 120_000,
  });
}
