import { readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import type { Env, Hono } from 'hono';
import { AppError } from '../runtime/errors.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

/** Where `npm run build` / `npm start` put the console bundle (console/build.ts). */
export const CONSOLE_DIR = resolve('dist', 'console');

/**
 * Serves the web console's static files at /console/ (bundled by console/build.ts; the user runs
 * no front-end build of their own). Only flat file names are served: no path ever leaves `dir`.
 */
export function mountConsole<E extends Env>(app: Hono<E>, dir = CONSOLE_DIR): void {
  app.get('/console', (c) => c.redirect('/console/'));
  app.get('/console/:file{[A-Za-z0-9._-]*}', async (c) => {
    const file = c.req.param('file') || 'index.html';
    if (file.startsWith('.') || !TYPES[extname(file)]) throw new AppError('NOT_FOUND', `No console file ${file}`);
    const body = await readFile(join(dir, file)).catch(() => {
      throw new AppError('NOT_FOUND', `Console file ${file} not found: build the console with \`npm run build\` (npm start does it)`);
    });
    return c.body(body, 200, { 'content-type': TYPES[extname(file)]!, 'cache-control': 'no-cache' });
  });
}
