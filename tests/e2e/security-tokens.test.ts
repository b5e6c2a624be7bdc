import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiCall } from '../support/http-client.ts';
import { createTestApp, createTestUser, type TestApp } from '../support/fixtures.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

/**
 * Issue 13, items 2 and 8: a re-created user id does not revive old tokens, and every JWT claim
 * must have its declared type.
 */
let platform: LocalPlatform;
let call: ApiCall;
let app: TestApp;

const local = useLocalPlatform();
beforeAll(async () => {
  ({ platform, call } = local);
  app = await createTestApp(call, platform.adminToken, 'tokens');
  await createTestUser(call, app, 'bob');
});

const inOneHour = () => Math.floor(Date.now() / 1000) + 3600;

/** Signs arbitrary claims with the app's secret, as a careless or hostile backend could. */
function sign(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(app.signingSecret));
}

describe('re-creating a deleted user', () => {
  it('keeps every token of the earlier incarnation dead, revoked ones included', async () => {
    const first = await createTestUser(call, app, 'phoenix');
    expect((await call('POST', '/v1/users/phoenix/tokens/revoke', { token: app.serverKey })).status).toBeLessThan(300);
    const second = await call('POST', '/v1/users/phoenix/tokens', { token: app.serverKey, body: {} });
    const selfSigned = await sign({ iss: app.appId, aud: 'caas', sub: 'phoenix', exp: inOneHour() });
    expect((await call('DELETE', '/v1/users/phoenix', { token: app.serverKey })).status).toBe(204);
    expect((await call('PUT', '/v1/users/phoenix', { token: app.serverKey, body: { name: 'again' } })).status).toBe(201);
    for (const old of [first.token, second.body.token, selfSigned]) {
      const me = await call('GET', '/v1/me', { token: old });
      expect(me.status).toBe(401);
    }
    const fresh = await call('POST', '/v1/users/phoenix/tokens', { token: app.serverKey, body: {} });
    expect((await call('GET', '/v1/me', { token: fresh.body.token })).status).toBe(200);
  });
});

describe('claim types', () => {
  it('accepts well-typed claims', async () => {
    const token = await sign({ iss: app.appId, aud: 'caas', sub: 'bob', exp: inOneHour(), tv: 0 });
    expect((await call('GET', '/v1/me', { token })).status).toBe(200);
  });

  it.each<[string, Record<string, unknown>]>([
    ['sub as an array', { sub: ['bob'] }],
    ['sub as a number', { sub: 42 }],
    ['sub as an object', { sub: { toString: 'bob' } }],
    ['tv as a string', { tv: '0' }],
    ['tv as a fraction', { tv: 0.5 }],
    ['tv negative', { tv: -1 }],
    ['tv as an array', { tv: [0] }],
    ['iat as a string', { iat: 'yesterday' }],
    ['nbf as a string', { nbf: 'now' }],
    ['exp as a string', { exp: String(inOneHour()) }],
  ])('refuses a token with %s: 401', async (_name, override) => {
    const token = await sign({ iss: app.appId, aud: 'caas', sub: 'bob', exp: inOneHour(), ...override });
    const me = await call('GET', '/v1/me', { token });
    expect(me.status).toBe(401);
    expect(me.body.code).toBe('UNAUTHENTICATED');
  });
});
