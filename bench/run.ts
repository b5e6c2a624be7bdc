/** `npm run bench`: every benchmark in turn; each writes its own section of docs/benchmarks.md. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const benchmarks = ['bench/send.ts', 'bench/hooks.ts', 'bench/cold-start.ts', 'bench/fanout.ts', 'bench/search.ts', 'bench/history.ts', 'bench/audit.ts', 'bench/crypto.ts', 'bench/crypto-send.ts'].filter((file) => existsSync(file));
for (const file of benchmarks) {
  process.stdout.write(`\n== ${file}\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', file, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
