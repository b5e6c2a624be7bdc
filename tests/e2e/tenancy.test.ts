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
});

describe('apps and server keys', () => {
  it('creates apps only with the admin token', async () => {
    const anonymous = await call('POST', '/v1/apps', { body: { name: 'x' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
    expect(anonymous.body.code).toBe('UNAUTHENTICATED');

    const wrongAdmin = await call('POST', '/v1/apps', { token: `${platform.adminToken}x`, body: { name: 'x' } });
    expect(wrongAdmin.status).toBe(401);

    const withServerKey = await call('POST', '/v1/apps', { token: appA.serverKey, body: { name: 'x' } });
    expect(withServerKey.status).toBe(403);
    expect(withServerKey.body.code).toBe('FORBIDDEN');
  });

  it('shows a key once and lists only hints', async () => {
    expect(appA.serverKey).toMatch(/^sk_/);
    const keys = await call('GET', `/v1/apps/${appA.appId}/keys`, { token: platform.adminToken });
    expect(keys.status).toBe(200);
    expect(keys.body.keys).toHaveLength(1);
    expect(JSON.stringify(keys.body)).not.toContain(appA.serverKey);
    expect(keys.body.keys[0].hint).toBe(appA.serverKey.slice(-4));
  });

  it('rotates keys: a new key works, a revoked key stops working at once', async () => {
    const app = await createTestApp(call, platform.adminToken, 'rotation');
    const fresh = await call('POST', `/v1/apps/${app.appId}/keys`, { token: platform.adminToken, body: { name: 'v2' } });
    expect(fresh.status).toBe(201);
    expect((await call('PUT', '/v1/users/u1', { token: fresh.body.secret, body: {} })).status).toBe(201);

    const revoked = await call('DELETE', `/v1/apps/${app.appId}/keys/${app.keyId}`, { token: platform.adminToken });
    expect(revoked.status).toBe(204);
    const refused = await call('GET', '/v1/users/u1', { token: app.serverKey });
    expect(refused.status).toBe(401);
    expect((await call('GET', '/v1/users/u1', { token: fresh.body.secret })).status).toBe(200);
  });

  it('answers 404 for a key of another app and for unknown apps', async () => {
    const wrongApp = await call('DELETE', `/v1/apps/${appB.appId}/keys/${appA.keyId}`, { token: platform.adminToken });
    expect(wrongApp.status).toBe(404);
    const unknown = await call('GET', '/v1/apps/app_0000000000aaaaaaaaaaaaaaaa', { token: platform.adminToken });
    expect(unknown.status).toBe(404);
    const malformed = await call('GET', '/v1/apps/not-an-id', { token: platform.adminToken });
    expect(malformed.status).toBe(422);
    expect(malformed.body.errors[0].path).toBe('params.appId');
  });
});

describe('users and tenant isolation', () => {
  it('upserts: 201 when created, 200 when updated, fields kept', async () => {
    const created = await call('PUT', '/v1/users/carol', { token: appA.serverKey, body: { name: 'Carol', custom: { plan: 'pro' } } });
    expect(created.status).toBe(201);
    const updated = await call('PUT', '/v1/users/carol', { token: appA.serverKey, body: { name: 'Carol C.' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: 'carol', name: 'Carol C.', custom: { plan: 'pro' }, role: 'user' });
  });

  it("a user of app A reads themself; app B's key cannot see them", async () => {
    const alice = await createTestUser(call, appA, 'alice', 'Alice');
    const me = await call('GET', '/v1/me', { token: alice.token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe('alice');
    expect((await call('GET', '/v1/users/alice', { token: alice.token })).body.name).toBe('Alice');

    const fromB = await call('GET', '/v1/users/alice', { token: appB.serverKey });
    expect(fromB.status).toBe(404);
    expect(fromB.body.code).toBe('NOT_FOUND');
    const patchFromB = await call('PATCH', '/v1/users/alice', { token: appB.serverKey, body: { name: 'hijacked' } });
    expect(patchFromB.status).toBe(404);
    expect((await call('GET', '/v1/users/alice', { token: appA.serverKey })).body.name).toBe('Alice');
  });

  it('the same user id in two apps names two different users', async () => {
    await call('PUT', '/v1/users/dup', { token: appA.serverKey, body: { name: 'in A' } });
    await call('PUT', '/v1/users/dup', { token: appB.serverKey, body: { name: 'in B' } });
    expect((await call('GET', '/v1/users/dup', { token: appA.serverKey })).body.name).toBe('in A');
    expect((await call('GET', '/v1/users/dup', { token: appB.serverKey })).body.name).toBe('in B');
  });

  it('users may patch only their own profile and never their role', async () => {
    const dave = await createTestUser(call, appA, 'dave');
    await createTestUser(call, appA, 'erin');
    expect((await call('PATCH', '/v1/users/dave', { token: dave.token, body: { name: 'Dave' } })).body.name).toBe('Dave');
    expect((await call('PATCH', '/v1/users/erin', { token: dave.token, body: { name: 'x' } })).status).toBe(403);
    expect((await call('PATCH', '/v1/users/dave', { token: dave.token, body: { role: 'admin' } })).status).toBe(403);
    expect((await call('GET', '/v1/users/dave', { token: appA.serverKey })).body.role).toBe('user');
  });

  it('user tokens cannot call server endpoints', async () => {
    const frank = await createTestUser(call, appA, 'frank');
    const attempt = await call('PUT', '/v1/users/someone', { token: frank.token, body: {} });
    expect(attempt.status).toBe(403);
    expect((await call('GET', '/v1/users/someone', { token: appA.serverKey })).status).toBe(404);
  });

  it('deleting a user makes their token useless', async () => {
    const gone = await createTestUser(call, appA, 'gone');
    expect((await call('DELETE', '/v1/users/gone', { token: appA.serverKey })).status).toBe(204);
    expect((await call('GET', '/v1/me', { token: gone.token })).status).toBe(401);
    expect((await call('DELETE', '/v1/users/gone', { token: appA.serverKey })).status).toBe(404);
  });
});
