import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * One platform process of a fault scenario (bin/caas.ts, bin/router.ts, bin/worker.ts,
 * bin/realtime.ts) on a port fixed for the whole scenario, so clients keep their address across
 * restarts as they would behind a load balancer. Started again after a kill on the same port.
 */
const ROOT = join(import.meta.dirname, '..', '..');

export type Spawn = (command: string, args: string[], options: SpawnOptions) => ChildProcess;

export class ServiceProcess {
  child: ChildProcess | null = null;
  /** The last output of the current process, for failure messages (and the banner in local mode). */
  output = '';

  constructor(
    readonly script: string,
    /** Printed once the process serves. */
    private readonly readyText: string,
    private readonly env: Record<string, string>,
    readonly port: number,
    private readonly spawnChild: Spawn = spawn,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const child = this.spawnChild(process.execPath, ['--import', 'tsx', this.script], {
      cwd: ROOT,
      env: { ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.output = '';
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000));
    child.stderr!.on('data', keep);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        keep(chunk);
        if (this.output.includes(this.readyText)) resolve();
      });
      child.once('exit', (code, signal) => reject(new Error(`${this.script} exited (${code ?? signal}) before it was ready:\n${this.output.slice(-3_000)}`)));
    });
  }

  /**
   * Sends `signal` and resolves once the process has exited: true if it exited by itself, false if
   * it was still running `killAfterMs` later and had to be killed (SIGKILL).
   */
  async stop(signal: NodeJS.Signals, killAfterMs = 30_000): Promise<boolean> {
    const child = this.child;
    if (!child || !this.running) return true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), killAfterMs).unref());
    if ((await Promise.race([exited, timer])) !== 'late') return true;
    child.kill('SIGKILL');
    await exited;
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
