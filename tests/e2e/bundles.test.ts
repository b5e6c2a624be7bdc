import type { ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAll, discoverFunctions } from '../../esbuild.config.ts';
import { functions } from '../../routes.ts';
import { trackChildren } from '../support/track-children.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

const root = join(import.meta.dirname, '..', '..');
// Inside the project, so the bundles resolve native modules (better-sqlite3) from node_modules.
const outDir = join(root, 'node_modules', '.cache', `caas-bundle-test-${process.pid}`);
const adminToken = 'adm_bundle_test_token_0123456789';
const dirs = useTempDirs();
const children = trackChildren();
let dataDir: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  dataDir = await dirs.make('caas-bundle-');
  await buildAll({ outDir, only: ['apps.create'] });
}, 120_000);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

/** Starts a bundle and resolves with the port from its "listening" log line. */
function startBundle(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    child = children.spawn(process.execPath, [file], {
      env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', CAAS_DATA_DIR: dataDir, CAAS_ADMIN_TOKEN: adminToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => reject(new Error(`bundle exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'listening' && entry.port) resolve(entry.port);
    });
  });
}

describe('bundles', () => {
  it('every function file is mounted by routes.ts', async () => {
    const discovered = (await discoverFunctions()).map((entry) => entry.name).sort();
    expect(functions.map((fn) => fn.name).sort()).toEqual(discovered);
  });

  it('writes a manifest naming method, path, auth and bundle sizes', async () => {
    const manifest = JSON.parse(await readFile(join(outDir, 'functions', 'manifest.json'), 'utf8'));
    expect(manifest.functions).toEqual([
      expect.objectContaining({
        name: 'apps.create',
        method: 'POST',
        path: '/v1/apps',
        auth: 'admin',
        node: expect.objectContaining({ file: 'functions/apps.create/index.mjs', bytes: expect.any(Number) }),
        lambda: expect.objectContaining({ handler: 'lambda.handler' }),
      }),
    ]);
  });

  it('one function bundle serves its route standalone, and only its route', async () => {
    const port = await startBundle(join(outDir, 'functions', 'apps.create', 'index.mjs'));
    const created = await fetch(`http://127.0.0.1:${port}/v1/apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'from a bundle' }),
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { app: { name: string } }).app.name).toBe('from a bundle');
    const other = await fetch(`http://127.0.0.1:${port}/v1/users/x`);
    expect(other.status).toBe(404);
    const malformed = await fetch(`http://127.0.0.1:${port}/v1/apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: '{',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toBe('application/problem+json');
  });

  it('the Lambda handler answers an API Gateway v2 event', async () => {
    process.env.CAAS_DATA_DIR = dataDir;
    process.env.CAAS_ADMIN_TOKEN = adminToken;
    process.env.CAAS_LOG_LEVEL = 'silent';
    const { handler } = (await import(pathToFileURL(join(outDir, 'functions', 'apps.create', 'lambda.mjs')).href)) as {
      handler: (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;
    };
    const result = await handler(
      {
        version: '2.0',
        routeKey: '$default',
        rawPath: '/v1/apps',
        rawQueryString: '',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', host: 'lambda.local' },
        requestContext: { http: { method: 'POST', path: '/v1/apps', sourceIp: '127.0.0.1' }, domainName: 'lambda.local', requestId: 'r1' },
        body: JSON.stringify({ name: 'from lambda' }),
        isBase64Encoded: false,
      },
      {},
    );
    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body).app.name).toBe('from lambda');
  });
});
