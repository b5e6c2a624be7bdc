/**
 * Per-function bundle cold start: process start to first HTTP response, for one function bundle
 * in local mode, beside a bare node:http server started the same way (DESIGN §9: ≤ 150 ms).
 *
 *   npx tsx bench/cold-start.ts [--runs 15] [--function users.get]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildAll } from '../esbuild.config.ts';
import { writeBarChart, writeSection } from './report.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, function: { type: 'string', default: 'users.get' } } });
const runs = Number(values.runs);
const name = values.function!;
const outDir = join(import.meta.dirname, '..', 'node_modules', '.cache', 'caas-cold-start');
const BARE = "require('node:http').createServer((_, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')";

/** Milliseconds from spawn to the first successful response on `path`. */
async function firstResponse(args: string[], env: Record<string, string>, port: number, path: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env }, stdio: 'ignore' });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}${path}`).then((response) => response.ok, () => false);
      if (ok) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    child.kill('SIGKILL');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
  }
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

await buildAll({ outDir, only: [name] });
const dataDir = await mkdtemp(join(tmpdir(), 'caas-cold-'));
const bare: number[] = [];
const bundle: number[] = [];
// Interleaved, so both see the same machine state.
for (let i = 0; i < runs; i++) {
  bare.push(await firstResponse(['-e', BARE], {}, 4310, '/'));
  bundle.push(await firstResponse([join(outDir, 'functions', name, 'index.mjs')], { HOST: '127.0.0.1', CAAS_DATA_DIR: dataDir, CAAS_LOG_LEVEL: 'silent' }, 4311, '/healthz'));
}
await rm(dataDir, { recursive: true, force: true });
await rm(outDir, { recursive: true, force: true });

const row = (label: string, samples: number[]) => `| ${label} | ${quantile(samples, 0.5).toFixed(0)} | ${quantile(samples, 0.9).toFixed(0)} | ${runs} |`;
const median = quantile(bundle, 0.5);
const chart = await writeBarChart('bench-cold-start.svg', 'Process start to first response (median ms)', 'ms', [
  { label: 'bare node:http', value: quantile(bare, 0.5) },
  { label: `bundle ${name}`, value: median },
]);
await writeSection(
  'cold-start',
  `## Per-function bundle: process start to first response

\`npx tsx bench/cold-start.ts --runs ${runs} --function ${name}\` — ${new Date().toISOString().slice(0, 10)}

One function bundle (\`dist/functions/${name}/index.mjs\`, local mode: embedded engines in a fresh
data dir) started as a new process, timed until \`/healthz\` answers; beside it, a bare
\`node:http\` server started the same way (the floor: Node's own start-up). Runs interleaved.

| process | median ms | p90 ms | runs |
| --- | ---: | ---: | ---: |
${row('bare node:http (floor)', bare)}
${row(`bundle ${name}`, bundle)}

- bundle start to first response: **${median.toFixed(0)} ms** median (target ≤ 150 ms): ${median <= 150 ? 'meets target' : 'above target'}; ${(median / quantile(bare, 0.5)).toFixed(2)}× the floor

![cold start](${chart})
`,
);
process.stdout.write(`bare ${quantile(bare, 0.5).toFixed(0)} ms, bundle ${median.toFixed(0)} ms (median of ${runs})\n`);
