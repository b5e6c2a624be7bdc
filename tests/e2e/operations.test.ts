import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_TOPIC, type AuditRecord } from '../../runtime/audit/audit-trail.ts';
import type { ApiCall } from '../support/http-client.ts';
import { createTestApp } from '../support/fixtures.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

let platform: LocalPlatform;
let call: ApiCall;

const local = useLocalPlatform();
beforeAll(async () => {
  ({ platform, call } = local);
});

describe('operations endpoints', () => {
  it('healthz and readyz report each port', async () => {
    expect((await call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await call('GET', '/readyz', { token: local.platform.adminToken });
    expect(ready.status).toBe(200);
    expect(ready.body.checks.map((check: { port: string }) => check.port).sort()).toEqual(['blob', 'bus', 'cache', 'kms', 'search', 'store']);
    expect(ready.body.checks.every((check: { ok: boolean; adapter: string }) => check.ok && check.adapter === 'local')).toBe(true);
  });

  it('metrics are Prometheus text with per-route counters', async () => {
    await call('GET', '/healthz');
    const metrics = await call('GET', '/metrics');
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.body).toMatch(/caas_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(metrics.body).toContain('process_cpu_user_seconds_total');
  });

  it('serves an OpenAPI 3.1 document generated from the functions, and docs', async () => {
    const document = await call('GET', '/openapi.json');
    expect(document.body.openapi).toBe('3.1.0');
    expect(document.body.paths['/v1/users/{userId}'].put.operationId).toBe('users.upsert');
    expect(document.body.paths['/v1/users/{userId}'].put.requestBody.content['application/json'].schema.properties.name).toBeDefined();
    expect(document.body.paths['/v1/apps'].post.security).toEqual([{ adminToken: [] }]);
    const docs = await fetch(`${platform.url}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/openapi.json');
  });

  it('echoes a well-formed request id and makes one otherwise', async () => {
    const echoed = await call('GET', '/healthz', { headers: { 'x-request-id': 'trace-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-123');
    const fresh = await call('GET', '/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('records every mutating call on the audit topic, denied ones included', async () => {
    const app = await createTestApp(call, platform.adminToken, 'audited');
    await call('PUT', '/v1/users/audited-user', { token: app.serverKey, body: { name: 'x' }, headers: { 'x-request-id': 'audit-ok' } });
    await call('PUT', '/v1/users/hefty', { token: app.serverKey, rawBody: `"${'x'.repeat(1_100_000)}"`, headers: { 'x-request-id': 'audit-too-large' } });
    await call('PUT', '/v1/users/intruder', { token: 'sk_wrong', body: {}, headers: { 'x-request-id': 'audit-denied' } });
    await platform.router.audit.flush();

    const seen: AuditRecord[] = [];
    const subscription = await platform.services.ports.bus.subscribe({
      group: 'audit-test',
      topics: [AUDIT_TOPIC],
      handler: async (message) => {
        seen.push(JSON.parse(message.value) as AuditRecord);
      },
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !seen.some((record) => record.requestId === 'audit-denied')) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await subscription.stop();
    expect(seen.find((record) => record.requestId === 'audit-ok')).toMatchObject({
      appId: app.appId,
      action: 'users.upsert',
      actor: { kind: 'server', id: app.keyId },
      target: { userId: 'audited-user' },
      status: 201,
      outcome: 'success',
    });
    expect(seen.find((record) => record.requestId === 'audit-denied')).toMatchObject({ status: 401, outcome: 'denied' });
    expect(seen.find((record) => record.requestId === 'audit-too-large')).toMatchObject({ status: 413, outcome: 'failure', action: 'users.upsert' });
  });
});
