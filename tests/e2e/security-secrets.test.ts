import { beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY } from '../../runtime/http/idempotency.ts';
import type { ApiCall } from '../support/http-client.ts';
import { createTestApp, createTestUser, type TestApp } from '../support/fixtures.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

/**
 * Secrets at rest and in the open: the idempotency store never holds a freshly minted secret in
 * plain text (yet replays still work), and /readyz keeps engine detail behind the admin token.
 */
let platform: LocalPlatform;
let call: ApiCall;
let app: TestApp;

const local = useLocalPlatform();
beforeAll(async () => {
  ({ platform, call } = local);
  app = await createTestApp(call, platform.adminToken, 'secrets');
  await createTestUser(call, app, 'sam');
});

const keyed = (key: string) => ({ 'idempotency-key': key });
const storedText = async () => JSON.stringify(await platform.services.ports.store.collection(IDEMPOTENCY).find({}, { limit: 1000 }));

describe('idempotency store', () => {
  it('keeps no minted secret in plain text, and still replays the response', async () => {
    const created = await call('POST', '/v1/apps', { token: platform.adminToken, body: { name: 'keyed' }, headers: keyed('k-app') });
    const key = await call('POST', `/v1/apps/${app.appId}/keys`, { token: platform.adminToken, body: { name: 'k' }, headers: keyed('k-key') });
    const rotated = await call('POST', `/v1/apps/${app.appId}/signing-secret`, { token: platform.adminToken, body: {}, headers: keyed('k-rot') });
    const token = await call('POST', '/v1/users/sam/tokens', { token: app.serverKey, body: {}, headers: keyed('k-tok') });
    const secrets = [created.body.serverKey.secret, created.body.signingSecret, key.body.secret, token.body.token, JSON.stringify(rotated.body)];
    expect(secrets.every((secret) => typeof secret === 'string' && secret.length > 10)).toBe(true);
    const stored = await storedText();
    expect(stored.length).toBeGreaterThan(0);
    for (const secret of secrets.slice(0, 4)) expect(stored).not.toContain(secret);
    const replay = await call('POST', '/v1/users/sam/tokens', { token: app.serverKey, body: {}, headers: keyed('k-tok') });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(token.body);
  });
});

describe('/readyz', () => {
  it('tells anyone only which port is up', async () => {
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.every((check: Record<string, unknown>) => Object.keys(check).sort().join() === 'ok,port')).toBe(true);
    expect(ready.body.startup).toEqual({ prepared: true });
  });

  it('gives adapters and error detail to the admin token only', async () => {
    const wrong = await call('GET', '/readyz', { token: 'adm_wrong-wrong-wrong-wrong-wrong' });
    expect(wrong.body.checks[0].adapter).toBeUndefined();
    const admin = await call('GET', '/readyz', { token: platform.adminToken });
    expect(admin.body.checks[0].adapter).toEqual(expect.any(String));
    expect(admin.body.startup).toHaveProperty('lastError');
  });
});
