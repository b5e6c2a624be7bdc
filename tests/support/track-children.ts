import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { afterEach } from 'vitest';

const running = new Set<ChildProcess>();
// Even if the test process itself ends abruptly, no server it started outlives it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Child processes a test starts (servers, bundles): any still running after each test is killed,
 * whether the test passed or failed.
 */
export function trackChildren(): { spawn(command: string, args: string[], options: SpawnOptions): ChildProcess } {
  afterEach(async () => {
    const left = [...running];
    await Promise.all(
      left.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
  });
  return {
    spawn(command, args, options) {
      const child = spawn(command, args, options);
      running.add(child);
      child.once('exit', () => running.delete(child));
      return child;
    },
  };
}
