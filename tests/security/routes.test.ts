import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functions } from '../../routes.ts';
import type { AnyFunctionDefinition } from '../../runtime/define-function.ts';
import type { ApiCall, ApiResponse } from '../support/http-client.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import {
  accepts, createAttackWorld, credential, fillPath, GLOBAL_ID_PARAMS, INJECTIONS, massAssignmentBody, paramNames, rightCredential,
  type AttackWorld, type CredentialKind,
} from './attack-world.ts';

/**
 * Generated from the function declarations: every route is attacked with wrong credential kinds,
 * another tenant's ids, mass-assignment fields, oversize and deep bodies and injection strings.
 * A route added to routes.ts is attacked the day it is added; the first test checks that the
 * routes attacked are exactly those /openapi.json publishes.
 */
const MAX_BODY = 16_384;
const local = useLocalPlatform({ CAAS_MAX_BODY_BYTES: String(MAX_BODY), CAAS_RATE_LIMIT_IP: '0', CAAS_RATE_LIMIT_AUTH_FAILURES: '0', CAAS_RATE_LIMIT_USER: '0' });
let call: ApiCall;
let world: AttackWorld;

beforeAll(async () => {
  call = local.call;
  world = await createAttackWorld(call, local.platform.adminToken);
});

afterAll(() => {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

const name = (definition: AnyFunctionDefinition) => `${definition.method} ${definition.path}`;
const ownPath = (definition: AnyFunctionDefinition) => fillPath(definition.path, world.a.ids);
const bodyFor = (definition: AnyFunctionDefinition, body: unknown) => (definition.method === 'GET' ? {} : { body });
const noServerError = (response: ApiResponse, what: string) => expect(response.status, `${what}: ${JSON.stringify(response.body).slice(0, 300)}`).toBeLessThan(500);

describe('coverage', () => {
  it('attacks every route /openapi.json publishes, and only those', async () => {
    const published = await call('GET', '/openapi.json');
    const routes = Object.entries(published.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`),
    );
    expect(routes.length).toBeGreaterThan(40);
    expect(new Set(functions.map(name))).toEqual(new Set(routes));
  });
});

describe.each(functions.map((definition) => [name(definition), definition] as const))('%s', (_route, definition) => {
  const kinds: CredentialKind[] = ['none', 'forged', 'admin', 'server', 'user'];

  const refused = kinds.filter((kind) => !accepts(definition, kind));
  if (refused.length > 0) it.each(refused)('refuses %s credentials: 401 or 403', async (kind) => {
    const response = await call(definition.method, ownPath(definition), { token: credential(world, kind), ...bodyFor(definition, {}) });
    expect(response.status).toBe(kind === 'none' || kind === 'forged' ? 401 : 403);
  });

  const globalIds = paramNames(definition.path).filter((param) => GLOBAL_ID_PARAMS.includes(param));
  if (globalIds.length > 0 && definition.auth !== 'admin') it("cannot reach another tenant's resources", async () => {
    const path = fillPath(definition.path, { ...world.a.ids, ...Object.fromEntries(globalIds.map((param) => [param, world.b.ids[param]!])) });
    for (const kind of kinds.filter((candidate) => accepts(definition, candidate) && candidate !== 'none')) {
      const response = await call(definition.method, path, { token: credential(world, kind), ...bodyFor(definition, { text: 'x', reason: 'x', action: 'dismiss', seq: 1 }) });
      expect([403, 404, 422], `${kind}: ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`).toContain(response.status);
      expect(JSON.stringify(response.body)).not.toContain('tenant secret');
    }
  });

  if (definition.body !== undefined) it('does not take mass-assigned fields', async () => {
    const response = await call(definition.method, ownPath(definition), { token: rightCredential(world, definition), rawBody: massAssignmentBody({ text: 'x', name: 'x' }) });
    noServerError(response, 'mass assignment');
    expect(JSON.stringify(response.body)).not.toMatch(/MASS_ASSIGNED_/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  if (definition.body !== undefined) it('refuses an oversize body: 413', async () => {
    const limit = definition.maxBodyBytes ?? MAX_BODY;
    const response = await call(definition.method, ownPath(definition), { token: rightCredential(world, definition), rawBody: JSON.stringify({ text: 'x'.repeat(limit + 1) }) });
    expect(response.status).toBe(413);
  });

  if (definition.body !== undefined) it('refuses a deep body: 422 naming the field', async () => {
    const response = await call(definition.method, ownPath(definition), { token: rightCredential(world, definition), rawBody: `{"custom":${'['.repeat(5_000)}${']'.repeat(5_000)}}` });
    expect(response.status).toBe(422);
    expect(response.body.errors[0].path).toMatch(/^(body\.custom|params)/);
  });

  it('answers injection strings in every parameter and query with a 4xx, never a 5xx', async () => {
    const params = paramNames(definition.path);
    for (const injection of INJECTIONS) {
      for (const param of params) {
        const response = await call(definition.method, fillPath(definition.path, { ...world.a.ids, [param]: injection }), { token: rightCredential(world, definition), ...bodyFor(definition, {}) });
        noServerError(response, `${param}=${injection.slice(0, 20)}`);
      }
      const query = `?q=${encodeURIComponent(injection)}&limit[$gt]=0&after=${encodeURIComponent(injection)}&cursor=${encodeURIComponent(injection)}`;
      const response = await call(definition.method, `${ownPath(definition)}${query}`, { token: rightCredential(world, definition), ...bodyFor(definition, {}) });
      noServerError(response, `query ${injection.slice(0, 20)}`);
    }
  });
});

describe('after the attacks', () => {
  it("tenant B's resources are intact", async () => {
    const { b } = world;
    expect((await call('GET', `/v1/conversations/${b.ids.conversationId}`, { token: b.tokens.ann })).status).toBe(200);
    expect((await call('GET', `/v1/messages/${b.ids.messageId}`, { token: b.tokens.ann })).body.text).toBe('tenant secret');
    expect((await call('GET', `/v1/media/${b.ids.mediaId}`, { token: b.tokens.ann })).status).toBe(200);
  });
});
