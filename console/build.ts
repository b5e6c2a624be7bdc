/**
 * Bundles the web console (console/src, plain TypeScript and DOM on the SDK) into dist/console/:
 * console.js, index.html, console.css. Run by `npm start` (prestart) and `npm run build`.
 */
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export async function buildConsole(outDir = join(here, '..', 'dist', 'console')): Promise<string> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(here, 'src', 'main.ts')],
    outfile: join(outDir, 'console.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  await Promise.all(['index.html', 'console.css'].map((file) => copyFile(join(here, file), join(outDir, file))));
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = await buildConsole();
  process.stdout.write(`built the console into ${relative(process.cwd(), dir)}\n`);
}
