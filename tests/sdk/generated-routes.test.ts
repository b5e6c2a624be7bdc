import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderRoutes, ROUTES_FILE } from '../../sdk/scripts/generate-routes.ts';
import { functions } from '../../routes.ts';
import { backoffDelay, routes } from '../../sdk/src/index.ts';

describe('SDK route table', () => {
  it('is generated from the current function declarations (run `npm run sdk:generate` when this fails)', async () => {
    expect(await readFile(ROUTES_FILE, 'utf8')).toBe(await renderRoutes());
  });

  it('names every function the router serves, with its method and path', () => {
    for (const fn of functions) expect(routes[fn.name as keyof typeof routes]).toEqual({ method: fn.method, path: fn.path, auth: fn.auth });
    expect(Object.keys(routes)).toHaveLength(new Set(functions.map((fn) => fn.name)).size);
  });
});

describe('reconnect backoff', () => {
  it('doubles its ceiling up to the maximum and spreads delays with full jitter', () => {
    const options = { initialMs: 500, maxMs: 30_000 };
    expect([0, 1, 2, 3, 10].map((attempt) => backoffDelay(attempt, options, () => 1))).toEqual([500, 1_000, 2_000, 4_000, 30_000]);
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(3, options, () => 0.5)).toBe(2_000);
  });
});
