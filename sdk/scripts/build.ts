/** Bundles the SDK into sdk/dist/index.js: one ESM file for browsers and Node ≥ 20, no dependencies. */
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const sdk = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildSdk(outfile = join(sdk, 'dist', 'index.js')): Promise<void> {
  await build({ entryPoints: [join(sdk, 'src', 'index.ts')], outfile, bundle: true, format: 'esm', platform: 'neutral', target: ['es2022'], sourcemap: 'linked', logLevel: 'warning' });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildSdk();
