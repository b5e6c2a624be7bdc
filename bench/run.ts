/**
 * `npm run bench [name …]`: every benchmark in turn (or the ones named: `npm run bench send history`),
 * each with its defaults; each writes its own section of docs/benchmarks.md. Options differ from one
 * benchmark to the next, so none are passed on: run one with its own (each file's header lists them).
 */
import { spawnSync } from 'node:child_process';

const BENCHMARKS = ['send', 'send-stages', 'hooks', 'cold-start', 'fanout', 'search', 'history', 'audit', 'crypto', 'crypto-send'];

const args = process.argv.slice(2);
const options = args.filter((arg) => arg.startsWith('-'));
if (options.length > 0) {
  process.stderr.write(`npm run bench takes benchmark names only (${BENCHMARKS.join(', ')}), not ${options.join(' ')}: run one with its options, e.g. npx tsx bench/send.ts --mode cluster\n`);
  process.exit(2);
}
const unknown = args.filter((name) => !BENCHMARKS.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARKS.join(', ')}\n`);
  process.exit(2);
}
for (const name of args.length > 0 ? args : BENCHMARKS) {
  const file = `bench/${name}.ts`;
  process.stdout.write(`\n== ${file}\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
