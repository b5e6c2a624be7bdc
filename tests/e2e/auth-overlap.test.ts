import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiCall } from '../support/http-client.ts';
import { createTestApp, createTestUser } from '../support/fixtures.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { controlClock, type TestClock } from '../support/test-clock.ts';

let platform: LocalPlatform;
let call: ApiCall;
let clock: TestClock;

const local = useLocalPlatform({ CAAS_SIGNING_SECRET_OVERLAP_SECONDS: '600' });
beforeAll(async () => {
  ({ platform, call } = local);
  clock = controlClock(platform);
});

async function mint(app: { serverKey: string }, userId: string): Promise<string> {
  const minted = await call('POST', `/v1/users/${userId}/tokens`, { token: app.serverKey, body: { ttlSeconds: 86_400 } });
  expect(minted.status).toBe(201);
  return minted.body.token;
}

describe('signing-secret rotation overlap (CAAS_SIGNING_SECRET_OVERLAP_SECONDS)', () => {
  it('tokens signed with the previous secret keep working during the overlap, then stop', async () => {
    const app = await createTestApp(call, platform.adminToken, 'overlap');
    const { token: before } = await createTestUser(call, app, 'u');
    const rotated = await call('POST', `/v1/apps/${app.appId}/signing-secret`, { token: platform.adminToken });
    expect(rotated.status).toBe(200);
    expect(rotated.body.previousSecretValidUntil - clock.now()).toBeGreaterThan(590_000);
    expect(rotated.body.previousSecretValidUntil - clock.now()).toBeLessThanOrEqual(600_000);

    expect((await call('GET', '/v1/me', { token: before })).status).toBe(200);
    const after = await mint(app, 'u');
    expect((await call('GET', '/v1/me', { token: after })).status).toBe(200);

    clock.advance(601_000);
    const expired = await call('GET', '/v1/me', { token: before });
    expect(expired.status).toBe(401);
    expect(expired.body.code).toBe('UNAUTHENTICATED');
    expect((await call('GET', '/v1/me', { token: after })).status).toBe(200);
  });

  it('only the secret the last rotation replaced is accepted, and only for its own app', async () => {
    const app = await createTestApp(call, platform.adminToken, 'twice');
    const other = await createTestApp(call, platform.adminToken, 'other');
    const { token: first } = await createTestUser(call, app, 'u');
    await createTestUser(call, other, 'u');
    await call('POST', `/v1/apps/${app.appId}/signing-secret`, { token: platform.adminToken });
    const second = await mint(app, 'u');
    await call('POST', `/v1/apps/${app.appId}/signing-secret`, { token: platform.adminToken });
    expect((await call('GET', '/v1/me', { token: first })).status).toBe(401);
    expect((await call('GET', '/v1/me', { token: second })).status).toBe(200);
  });

  it('rotating an unknown app is a 404 and changes nothing', async () => {
    const response = await call('POST', '/v1/apps/app_00000000000000000000000000/signing-secret', { token: platform.adminToken });
    expect(response.status).toBe(404);
  });
});

describe('X-On-Behalf-Of', () => {
  it('with a user token is refused with 400, not silently ignored', async () => {
    const app = await createTestApp(call, platform.adminToken, 'obo');
    const { token } = await createTestUser(call, app, 'ann');
    await createTestUser(call, app, 'ben');
    const refused = await call('GET', '/v1/conversations', { token, headers: { 'x-on-behalf-of': 'ben' } });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('BAD_REQUEST');
    expect(refused.body.detail).toContain('X-On-Behalf-Of');
    const write = await call('POST', '/v1/conversations', { token, headers: { 'x-on-behalf-of': 'ben' }, body: { type: 'group', memberIds: [], name: 'g' } });
    expect(write.status).toBe(400);
    const listed = await call('GET', '/v1/conversations', { token: app.serverKey, headers: { 'x-on-behalf-of': 'ann' } });
    expect(listed.body.conversations).toHaveLength(0);
  });

  it('with a server key still acts for that user', async () => {
    const app = await createTestApp(call, platform.adminToken, 'obo-server');
    await createTestUser(call, app, 'ann');
    const me = await call('GET', '/v1/conversations', { token: app.serverKey, headers: { 'x-on-behalf-of': 'ann' } });
    expect(me.status).toBe(200);
  });
});
