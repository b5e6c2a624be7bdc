import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Starts a benchmark server script in its own process; resolves with the JSON line it prints when ready. */
/** Spawns a benchmark server; `nodeArgs` go to node (e.g. `--cpu-prof`). */
export async function startServer<T>(script: string, args: string[] = [], nodeArgs: string[] = []): Promise<{ info: T; child: ChildProcess }> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise<T>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line) as T));
  });
  return { info, child };
}

/** SIGTERM (a profiled server writes its profile on exit), SIGKILL after 10 s. */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(kill);
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  total: number;
}

/** One sender's request: its path and headers (credentials); connection i sends targets[i % n]. */
export interface SendTarget {
  path: string;
  headers: Record<string, string>;
}

/** A fixed-duration HTTP load with `connections` concurrent clients (autocannon, pipelining 1). */
export async function runLoad(options: {
  url: string;
  method: 'POST' | 'GET';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  seconds: number;
  targets?: SendTarget[];
}): Promise<LoadResult> {
  const { targets } = options;
  let next = 0;
  const result = await autocannon({
    url: options.url,
    method: options.method,
    headers: options.headers,
    body: options.body,
    connections: options.connections,
    duration: options.seconds,
    pipelining: 1,
    ...(targets?.length
      ? {
          setupClient: (client: autocannon.Client) => {
            const target = targets[next++ % targets.length]!;
            client.setRequests([{ method: options.method, path: target.path, headers: { ...options.headers, ...target.headers }, body: options.body }]);
          },
        }
      : {}),
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    total: result.requests.total,
  };
}
