/**
 * `npm run build`: bundles the router (dist/router.mjs) and each function alone
 * (dist/functions/<name>/index.mjs for Node, lambda.mjs for AWS Lambda), plus
 * dist/functions/manifest.json with each function's method, path, auth and bundle sizes.
 */
import { build, type BuildOptions } from 'esbuild';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildConsole } from './console/build.ts';
import { isFunctionDefinition, type AnyFunctionDefinition } from './runtime/define-function.ts';

const root = dirname(fileURLToPath(import.meta.url));

/** Native or optional modules that cannot be inlined; they resolve from node_modules at run time. */
const external = [
  'better-sqlite3',
  'kerberos',
  'snappy',
  '@mongodb-js/zstd',
  'mongodb-client-encryption',
  '@aws-sdk/credential-providers',
  'gcp-metadata',
  'socks',
  'aws4',
];

const shared: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external,
  sourcemap: 'linked',
  logLevel: 'warning',
  // CommonJS dependencies inside an ESM bundle still call require().
  banner: { js: "import { createRequire as __caasRequire } from 'node:module'; const require = __caasRequire(import.meta.url);" },
};

export interface FunctionEntry {
  name: string;
  file: string;
  /** The export holding the definition ('default' for most files). */
  exportName: string;
  definition: AnyFunctionDefinition;
}

/** Every function definition exported by a file under functions/ (a file may export several, e.g. pin and unpin). */
export async function discoverFunctions(): Promise<FunctionEntry[]> {
  const entries: FunctionEntry[] = [];
  const domains = await readdir(join(root, 'functions'), { withFileTypes: true });
  for (const domain of domains.filter((entry) => entry.isDirectory())) {
    const dir = join(root, 'functions', domain.name);
    for (const file of (await readdir(dir)).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))) {
      const path = join(dir, file);
      const module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
      const seen = new Set<unknown>();
      for (const [exportName, value] of Object.entries(module).sort(([a], [b]) => (a === 'default' ? -1 : b === 'default' ? 1 : 0))) {
        if (!isFunctionDefinition(value) || seen.has(value)) continue;
        seen.add(value);
        entries.push({ name: value.name, file: path, exportName, definition: value });
      }
    }
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

function importPath(from: string, file: string): string {
  const path = relative(from, file).replaceAll('\\', '/');
  return path.startsWith('.') ? path : `./${path}`;
}

/**
 * Two entries (Node server, Lambda handler) per function, built together with code splitting:
 * shared code and the engine adapters (imported only when their URL is set) land in chunks, so
 * a function in local mode loads and parses only what it runs.
 */
async function bundleFunction(entry: FunctionEntry, dist: string) {
  const outdir = join(dist, 'functions', entry.name);
  const def = importPath(root, entry.file);
  const importLine = `import { ${entry.exportName} as definition } from '${def}';`;
  const sources: Record<string, string> = {
    index: `${importLine}\nimport { domain } from './functions/domain.ts';\nimport { serveFunctions } from './runtime/entries/node-server.ts';\nawait serveFunctions(domain, [definition], 'function:${entry.name}');\n`,
    lambda: `${importLine}\nimport { domain } from './functions/domain.ts';\nimport { lambdaHandler } from './runtime/entries/lambda.ts';\nexport const handler = lambdaHandler(domain, [definition]);\n`,
  };
  await build({
    ...shared,
    entryPoints: { index: 'caas-entry:index', lambda: 'caas-entry:lambda' },
    outdir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [
      {
        name: 'function-entries',
        setup(builder) {
          builder.onResolve({ filter: /^caas-entry:/ }, (args) => ({ path: args.path.slice('caas-entry:'.length), namespace: 'caas-entry' }));
          builder.onLoad({ filter: /.*/, namespace: 'caas-entry' }, (args) => ({ contents: sources[args.path], resolveDir: root, loader: 'ts' }));
        },
      },
    ],
  });
  const [nodeSize, lambdaSize, total] = await Promise.all([stat(join(outdir, 'index.mjs')), stat(join(outdir, 'lambda.mjs')), folderBytes(outdir)]);
  return {
    name: entry.name,
    method: entry.definition.method,
    path: entry.definition.path,
    auth: entry.definition.auth,
    node: { file: `functions/${entry.name}/index.mjs`, bytes: nodeSize.size },
    lambda: { file: `functions/${entry.name}/lambda.mjs`, handler: 'lambda.handler', bytes: lambdaSize.size },
    /** Everything the folder holds, chunks included: what a deploy uploads. */
    totalBytes: total,
  };
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && !entry.name.endsWith('.map')) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** Runs up to `limit` tasks at a time (2 cores: more only adds contention). */
async function inBatches<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += limit) results.push(...(await Promise.all(items.slice(i, i + limit).map(task))));
  return results;
}

export interface BuildOptionsInput {
  /** Output directory; default dist/. Must sit inside the project so bundles resolve native modules. */
  outDir?: string;
  /** Function names to bundle; default all. */
  only?: string[];
}

export async function buildAll({ outDir, only }: BuildOptionsInput = {}): Promise<void> {
  const started = performance.now();
  const dist = outDir ?? join(root, 'dist');
  await rm(dist, { recursive: true, force: true });
  await mkdir(join(dist, 'functions'), { recursive: true });
  await Promise.all(
    ['router', 'worker', 'realtime'].map(async (name) => {
      const entry = resolve(root, 'bin', `${name}.ts`);
      if (await stat(entry).catch(() => null)) await build({ ...shared, entryPoints: [entry], outfile: join(dist, `${name}.mjs`) });
    }),
  );
  if (!only) await buildConsole(join(dist, 'console'));
  const entries = (await discoverFunctions()).filter((entry) => !only || only.includes(entry.name));
  const manifest = await inBatches(entries, 4, (entry) => bundleFunction(entry, dist));
  await writeFile(join(dist, 'functions', 'manifest.json'), `${JSON.stringify({ functions: manifest }, null, 2)}\n`);
  process.stdout.write(`built router and ${manifest.length} functions into ${relative(process.cwd(), dist) || 'dist'} in ${Math.round(performance.now() - started)} ms\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const only = process.argv.slice(2);
  await buildAll(only.length > 0 ? { only } : {});
}
