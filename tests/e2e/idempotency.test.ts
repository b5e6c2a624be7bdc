import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiCall } from '../support/http-client.ts';
import { createTestApp, type TestApp } from '../support/fixtures.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

let platform: LocalPlatform;
let call: ApiCall;
let app: TestApp;

const local = useLocalPlatform();
beforeAll(async () => {
  ({ platform, call } = local);
  app = await createTestApp(call, platform.adminToken);
});

const keyed = (key: string) => ({ 'idempotency-key': key });

describe('Idempotency-Key on writes', () => {
  it('replays the first response for a retry with the same key and body', async () => {
    const first = await call('POST', `/v1/apps/${app.appId}/keys`, { token: platform.adminToken, body: { name: 'ci' }, headers: keyed('k-replay') });
    const retry = await call('POST', `/v1/apps/${app.appId}/keys`, { token: platform.adminToken, body: { name: 'ci' }, headers: keyed('k-replay') });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const keys = await call('GET', `/v1/apps/${app.appId}/keys`, { token: platform.adminToken });
    expect(keys.body.keys.filter((key: { name: string }) => key.name === 'ci')).toHaveLength(1);
  });

  it('refuses the same key with a different body: 422', async () => {
    await call('PUT', '/v1/users/idem1', { token: app.serverKey, body: { name: 'one' }, headers: keyed('k-body') });
    const other = await call('PUT', '/v1/users/idem1', { token: app.serverKey, body: { name: 'two' }, headers: keyed('k-body') });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await call('GET', '/v1/users/idem1', { token: app.serverKey })).body.name).toBe('one');
  });

  it('replays errors too', async () => {
    const first = await call('PATCH', '/v1/users/absent', { token: app.serverKey, body: { name: 'x' }, headers: keyed('k-error') });
    expect(first.status).toBe(404);
    await call('PUT', '/v1/users/absent', { token: app.serverKey, body: { name: 'now here' } });
    const retry = await call('PATCH', '/v1/users/absent', { token: app.serverKey, body: { name: 'x' }, headers: keyed('k-error') });
    expect(retry.status).toBe(404);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  it('runs concurrent requests with one key exactly once', async () => {
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        call('POST', `/v1/apps/${app.appId}/keys`, { token: platform.adminToken, body: { name: 'burst' }, headers: keyed('k-burst') }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(8).fill(201));
    expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
    const keys = await call('GET', `/v1/apps/${app.appId}/keys`, { token: platform.adminToken });
    expect(keys.body.keys.filter((key: { name: string }) => key.name === 'burst')).toHaveLength(1);
  });

  it('scopes keys to the caller: two apps may use the same key', async () => {
    const other = await createTestApp(call, platform.adminToken, 'other');
    const a = await call('PUT', '/v1/users/same', { token: app.serverKey, body: { name: 'A' }, headers: keyed('k-shared') });
    const b = await call('PUT', '/v1/users/same', { token: other.serverKey, body: { name: 'B' }, headers: keyed('k-shared') });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
  });

  it('refuses an unusable key', async () => {
    const response = await call('PUT', '/v1/users/k', { token: app.serverKey, body: {}, headers: keyed('x'.repeat(300)) });
    expect(response.status).toBe(400);
  });
});
