import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * docs/benchmarks.md is assembled from sections, one per benchmark, each replaced in place by
 * its own run (between `<!-- bench:NAME -->` markers) so benchmarks can run separately.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BENCHMARKS_MD = join(root, 'docs', 'benchmarks.md');

const HEADER = `# Benchmarks

Measured on this project's reference machine (2 cores, Node 20): the load generator and the server
share the cores, so absolute numbers say little. Every figure stands beside a baseline measured in
the same run, and the targets (DESIGN §9) are ratios against it. Run them all with \`npm run bench\`
(or some: \`npm run bench send history\`), or one with the command shown in its section.
`;

export async function writeSection(name: string, markdown: string): Promise<void> {
  await mkdir(dirname(BENCHMARKS_MD), { recursive: true });
  const current = await readFile(BENCHMARKS_MD, 'utf8').catch(() => HEADER);
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const pattern = new RegExp(`${start}[\\s\\S]*?${end}`);
  const next = pattern.test(current) ? current.replace(pattern, block) : `${current.trimEnd()}\n\n${block}\n`;
  await writeFile(BENCHMARKS_MD, next);
}

export interface Bar {
  label: string;
  value: number;
}

/** A horizontal bar chart as SVG, so the results read at a glance on GitHub. */
export async function writeBarChart(file: string, title: string, unit: string, bars: Bar[]): Promise<string> {
  const width = 640;
  const rowHeight = 28;
  const labelWidth = 220;
  const height = 40 + bars.length * rowHeight;
  const max = Math.max(...bars.map((bar) => bar.value), 1);
  const rows = bars
    .map((bar, i) => {
      const y = 32 + i * rowHeight;
      const length = Math.max(1, ((width - labelWidth - 90) * bar.value) / max);
      return [
        `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${bar.label}</text>`,
        `<rect x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="20" fill="${i % 2 ? '#8fb3e0' : '#3a78c2'}"/>`,
        `<text x="${labelWidth + length + 6}" y="${y + 15}">${Math.round(bar.value).toLocaleString('en-US')} ${unit}</text>`,
      ].join('');
    })
    .join('\n');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">
<text x="8" y="20" font-weight="bold">${title}</text>
${rows}
</svg>
`;
  const path = join(root, 'docs', file);
  await writeFile(path, svg);
  return file;
}
