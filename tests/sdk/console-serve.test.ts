import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountConsole } from '../../console/serve.ts';
import { AppError } from '../../runtime/errors.ts';

describe('console static files', () => {
  let dir: string;
  const app = new Hono();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'caas-console-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>console</title>');
    await writeFile(join(dir, 'console.js'), 'export {};');
    mountConsole(app, dir);
    app.onError((error, c) => c.json({ code: error instanceof AppError ? error.code : 'INTERNAL', detail: error.message }, error instanceof AppError ? (error.status as 404) : 500));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('serves the page at /console/ and its bundle with their content types', async () => {
    expect((await app.request('/console')).headers.get('location')).toBe('/console/');
    const page = await app.request('/console/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<title>console</title>');
    const script = await app.request('/console/console.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('answers 404 for files it does not have, dot files and paths that try to leave the folder', async () => {
    for (const path of ['/console/missing.js', '/console/.env', '/console/..%2Fpackage.json', '/console/../package.json', '/console/a/b.js', '/console/x.ts']) {
      const response = await app.request(path);
      expect(response.status, path).toBe(404);
    }
    const missing = await (await app.request('/console/missing.js')).json();
    expect(missing).toMatchObject({ code: 'NOT_FOUND', detail: expect.stringContaining('npm run build') });
  });
});
