/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, or `bench/send.ts --profile DIR`): self time by
 * area of the code base and the hottest functions, as percentages of the sampled time.
 *
 *   npx tsx bench/profile-summary.ts FILE.cpuprofile [--top 30]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } });
const file = positionals[0];
if (!file) throw new Error('usage: bench/profile-summary.ts FILE.cpuprofile [--top 30]');
const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((sum, us) => sum + us, 0);

/** The part of the code base (or the runtime) a frame belongs to. */
function areaOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const project = url.match(/\/(functions|runtime|infra|realtime|workers|bench)\/([^/]+)/);
  if (!url.includes('node_modules') && project) return `${project[1]}/${project[2]}`;
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url.split('/')[0]!;
  return url;
}

const byArea = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (us === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const area = areaOf(url, functionName);
  byArea.set(area, (byArea.get(area) ?? 0) + us);
  const key = `${functionName || '(anonymous)'}  ${url.replace(/^.*\/(node_modules\/|main\/)/, '')}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}

// Inclusive time of the project's own functions: each sample counts once for every distinct
// project function on its stack (what a call costs with everything it calls).
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const nodesById = new Map(profile.nodes.map((node) => [node.id, node]));
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const { functionName, url, lineNumber } = nodesById.get(at)!.callFrame;
    if (!url || url.includes('node_modules') || url.startsWith('node:')) continue;
    const key = `${functionName || '(anonymous)'}  ${url.replace(/^.*\/main\//, '')}:${lineNumber + 1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
}

const top = Number(values.top);
const percent = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
const print = (title: string, rows: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, us] of [...rows].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${percent(us)}  ${name}\n`);
};
process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n`);
print('self time by area', byArea);
print('self time by function', byFunction);
print('inclusive time of project functions', inclusive);
