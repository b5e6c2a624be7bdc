/**
 * Restarts the Kafka broker that infra/engines/up.sh started in $CAAS_ENGINES_STATE, keeping its
 * data (up.sh would format a fresh one): stops its process group (SIGTERM, a rolling restart), starts the same command line
 * again (its pid file updated, so down.sh stops it), and resolves once it logs `Kafka Server started`. Only for a private set of engines
 * (CAAS_ENGINES_STATE=/tmp/engines-x CAAS_ENGINES_PORT_OFFSET=n), never the shared ones.
 */
import { spawn } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RestartedBroker {
  /** When the broker stopped accepting and when it was serving again (epoch ms). */
  stoppedAt: number;
  readyAt: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function restartBroker(stateDir: string, downMs: number): Promise<RestartedBroker> {
  if (stateDir === '/tmp/caas-engines') throw new Error('refusing to restart the shared engines');
  const pid = Number(readFileSync(join(stateDir, 'pids', 'kafka.pid'), 'utf8').split(' ')[0]);
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  process.kill(-pid, 'SIGTERM');
  const stoppedAt = Date.now();
  while (alive(pid)) await sleep(20);
  await sleep(downMs);
  const logPath = join(stateDir, 'logs', 'kafka-restarted.log');
  const log = openSync(logPath, 'w');
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  // Recorded as up.sh does (pid and kernel start time), so down.sh stops the new broker.
  const startTime = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
  writeFileSync(join(stateDir, 'pids', 'kafka.pid'), `${child.pid} ${startTime}\n`);
  while (!readFileSync(logPath, 'utf8').includes('Kafka Server started')) {
    if (child.exitCode !== null) throw new Error(`the broker exited (${child.exitCode}); see ${logPath}`);
    await sleep(20);
  }
  return { stoppedAt, readyAt: Date.now() };
}
