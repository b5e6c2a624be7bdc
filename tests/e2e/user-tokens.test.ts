import { SignJWT, UnsecuredJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiCall } from '../support/http-client.ts';
import { createTestApp, createTestUser, type TestApp } from '../support/fixtures.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

let platform: LocalPlatform;
let call: ApiCall;
let appA: TestApp;
let appB: TestApp;

const local = useLocalPlatform();
beforeAll(async () => {
  ({ platform, call } = local);
  appA = await createTestApp(call, platform.adminToken, 'A');
  appB = await createTestApp(call, platform.adminToken, 'B');
  await createTestUser(call, appA, 'alice');
  await createTestUser(call, appB, 'alice');
});

interface Claims {
  iss?: string;
  aud?: string;
  sub?: string;
  exp?: number;
  tv?: number;
}

/** A token as a customer's backend would sign it. */
async function sign(secret: string, claims: Claims, alg = 'HS256'): Promise<string> {
  const jwt = new SignJWT(claims.tv === undefined ? {} : { tv: claims.tv }).setProtectedHeader({ alg }).setIssuedAt();
  if (claims.iss) jwt.setIssuer(claims.iss);
  if (claims.aud) jwt.setAudience(claims.aud);
  if (claims.sub) jwt.setSubject(claims.sub);
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  return jwt.sign(new TextEncoder().encode(secret));
}

const inOneHour = () => Math.floor(Date.now() / 1000) + 3600;

describe('user JWTs', () => {
  it("accepts a token signed by the customer's backend with the app's secret", async () => {
    const token = await sign(appA.signingSecret, { iss: appA.appId, aud: 'caas', sub: 'alice', exp: inOneHour() });
    const me = await call('GET', '/v1/me', { token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe('alice');
  });

  it('refuses forged, expired, exp-less, wrong-audience, wrong-app and unsigned tokens', async () => {
    const cases: Array<[string, string, string]> = [
      ['forged', await sign('not-the-secret-at-all-not-the-secret', { iss: appA.appId, aud: 'caas', sub: 'alice', exp: inOneHour() }), 'UNAUTHENTICATED'],
      ['expired', await sign(appA.signingSecret, { iss: appA.appId, aud: 'caas', sub: 'alice', exp: Math.floor(Date.now() / 1000) - 60 }), 'TOKEN_EXPIRED'],
      ['no exp', await sign(appA.signingSecret, { iss: appA.appId, aud: 'caas', sub: 'alice' }), 'UNAUTHENTICATED'],
      ['wrong audience', await sign(appA.signingSecret, { iss: appA.appId, aud: 'other', sub: 'alice', exp: inOneHour() }), 'UNAUTHENTICATED'],
      ["claims app B, signed with A's secret", await sign(appA.signingSecret, { iss: appB.appId, aud: 'caas', sub: 'alice', exp: inOneHour() }), 'UNAUTHENTICATED'],
      ['unknown app', await sign(appA.signingSecret, { iss: 'app_nope', aud: 'caas', sub: 'alice', exp: inOneHour() }), 'UNAUTHENTICATED'],
      ['alg none', new UnsecuredJWT({}).setIssuer(appA.appId).setAudience('caas').setSubject('alice').setExpirationTime(inOneHour()).encode(), 'UNAUTHENTICATED'],
      ['HS512 instead of the pinned HS256', await sign(appA.signingSecret, { iss: appA.appId, aud: 'caas', sub: 'alice', exp: inOneHour() }, 'HS512'), 'UNAUTHENTICATED'],
      ['unknown user', await sign(appA.signingSecret, { iss: appA.appId, aud: 'caas', sub: 'nobody', exp: inOneHour() }), 'UNAUTHENTICATED'],
      ['garbage', 'not.a.token', 'UNAUTHENTICATED'],
    ];
    for (const [label, token, code] of cases) {
      const response = await call('GET', '/v1/me', { token });
      expect({ label, status: response.status, code: response.body.code }).toEqual({ label, status: 401, code });
    }
  });

  it('refuses a malformed Authorization header', async () => {
    const response = await call('GET', '/v1/me', { headers: { authorization: 'Basic abc' } });
    expect(response.status).toBe(401);
  });

  it('revocation by token version: old tokens stop working, new ones work', async () => {
    const bob = await createTestUser(call, appA, 'bob');
    expect((await call('GET', '/v1/me', { token: bob.token })).status).toBe(200);
    const revoked = await call('POST', '/v1/users/bob/tokens/revoke', { token: appA.serverKey });
    expect(revoked.body.tokenVersion).toBe(1);
    const old = await call('GET', '/v1/me', { token: bob.token });
    expect(old.status).toBe(401);
    const fresh = await call('POST', '/v1/users/bob/tokens', { token: appA.serverKey, body: { ttlSeconds: 120 } });
    expect((await call('GET', '/v1/me', { token: fresh.body.token })).status).toBe(200);
  });

  it('rotating the signing secret twice invalidates tokens signed with the secret before the last', async () => {
    const app = await createTestApp(call, platform.adminToken, 'rotating');
    const user = await createTestUser(call, app, 'u');
    expect((await call('POST', `/v1/apps/${app.appId}/signing-secret`, { token: platform.adminToken })).status).toBe(200);
    const rotated = await call('POST', `/v1/apps/${app.appId}/signing-secret`, { token: platform.adminToken });
    expect(rotated.status).toBe(200);
    expect((await call('GET', '/v1/me', { token: user.token })).status).toBe(401);
    const token = await sign(rotated.body.signingSecret, { iss: app.appId, aud: 'caas', sub: 'u', exp: inOneHour() });
    expect((await call('GET', '/v1/me', { token })).status).toBe(200);
  });

  it('minted tokens respect the requested lifetime bounds', async () => {
    const tooLong = await call('POST', '/v1/users/alice/tokens', { token: appA.serverKey, body: { ttlSeconds: 10 ** 9 } });
    expect(tooLong.status).toBe(422);
    const ok = await call('POST', '/v1/users/alice/tokens', { token: appA.serverKey, body: { ttlSeconds: 600 } });
    expect(ok.body.expiresAt - Date.now()).toBeGreaterThan(590_000);
    expect(ok.body.expiresAt - Date.now()).toBeLessThanOrEqual(601_000);
  });
});
