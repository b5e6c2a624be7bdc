import { compactVerify, createRemoteJWKSet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_TOPIC, type AuditRecord } from '../../runtime/audit/audit-trail.ts';
import { createTestApp, createTestUser, type TestApp } from '../support/fixtures.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { sleep } from '../support/wait-for.ts';

/** The audit worker and API end to end: router → audit topic → chain → /v1/audit, verify, checkpoints, JWKS. */
const local = useLocalPlatform({ CAAS_AUDIT_CHECKPOINT_RECORDS: '3' });
let app: TestApp;
let other: TestApp;

async function auditOf(token: string, query = ''): Promise<any[]> {
  const page = await local.call('GET', `/v1/audit?limit=500${query}`, { token });
  expect(page.status).toBe(200);
  return page.body.entries;
}

/** Flushes the router's audit buffer and waits until the chain holds `count` records matching `query`. */
async function waitForAudit(token: string, count: number, query = ''): Promise<any[]> {
  await local.platform.router.audit.flush();
  const deadline = Date.now() + 20_000;
  for (;;) {
    const entries = await auditOf(token, query);
    if (entries.length >= count) return entries;
    if (Date.now() > deadline) throw new Error(`audit: ${entries.length} of ${count} records for "${query}"`);
    await sleep(50);
  }
}

beforeAll(async () => {
  app = await createTestApp(local.call, local.platform.adminToken, 'audited');
  other = await createTestApp(local.call, local.platform.adminToken, 'other');
  await createTestUser(local.call, app, 'alice-person');
  await createTestUser(local.call, app, 'bob-person');
});

describe('audit worker', () => {
  it("appends every write of an app to that app's chain, user ids as pseudonyms", async () => {
    const entries = await waitForAudit(app.serverKey, 4);
    expect(entries.map((entry) => entry.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(entries.map((entry) => entry.record.action)).toEqual(expect.arrayContaining(['users.upsert', 'users.tokens.create']));
    expect(JSON.stringify(entries)).not.toContain('alice-person');
    const aliceOnly = await auditOf(app.serverKey, '&resource=alice-person');
    expect(aliceOnly.length).toBe(2);
    expect(aliceOnly[0].record.target.userId).toMatch(/^psn_/);
    expect(await auditOf(app.serverKey, '&action=users.upsert')).toHaveLength(2);
    expect(await auditOf(app.serverKey, `&since=${Date.now() + 60_000}`)).toHaveLength(0);
  });

  it('verifies the chain through the API', async () => {
    const entries = await waitForAudit(app.serverKey, 4);
    const verified = await local.call('GET', '/v1/audit/verify', { token: app.serverKey });
    expect(verified.body).toEqual({ ok: true, checked: entries.length });
    const range = await local.call('GET', `/v1/audit/verify?appId=${app.appId}&from=2&to=3`, { token: local.platform.adminToken });
    expect(range.body).toEqual({ ok: true, checked: 2 });
  });

  it('signs checkpoints that verify with the published JWKS and a standard JOSE library', async () => {
    await waitForAudit(app.serverKey, 4);
    const listed = await local.call('GET', '/v1/audit/checkpoints', { token: app.serverKey });
    expect(listed.status).toBe(200);
    expect(listed.body.checkpoints.length).toBeGreaterThanOrEqual(1);
    const jwks = createRemoteJWKSet(new URL(`${local.platform.url}/.well-known/caas-audit-keys.json`));
    const entries = await auditOf(app.serverKey);
    for (const checkpoint of listed.body.checkpoints) {
      const { payload, protectedHeader } = await compactVerify(checkpoint.jws, jwks, { algorithms: ['EdDSA'] });
      expect(protectedHeader.kid).toBe(checkpoint.kid);
      const signed = JSON.parse(new TextDecoder().decode(payload));
      expect(signed).toMatchObject({ appId: app.appId, seq: checkpoint.seq });
      expect(signed.hash).toBe(entries.find((entry) => entry.seq === checkpoint.seq).hash);
    }
  });

  it('appends a redelivered record once and skips a malformed one', async () => {
    const record: AuditRecord = {
      at: Date.now(), requestId: 'req_redelivered', appId: other.appId, actor: { kind: 'server', id: other.keyId },
      action: 'test.redelivered', method: 'POST', path: '/v1/test', target: {}, status: 200, outcome: 'success',
    };
    const sentinel = { ...record, requestId: 'req_sentinel', action: 'test.sentinel' };
    const message = { key: other.appId, value: JSON.stringify(record) };
    await local.platform.services.ports.bus.publish(AUDIT_TOPIC, [message, message, { key: other.appId, value: '{"not":"a record"' }]);
    await local.platform.services.ports.bus.publish(AUDIT_TOPIC, [message, { key: other.appId, value: JSON.stringify(sentinel) }]);
    await waitForAudit(other.serverKey, 1, '&action=test.sentinel');
    expect(await auditOf(other.serverKey, '&action=test.redelivered')).toHaveLength(1);
    expect((await local.call('GET', '/v1/audit/verify', { token: other.serverKey })).body.ok).toBe(true);
  });

  it('reports its lag as a Prometheus metric', async () => {
    await waitForAudit(app.serverKey, 4);
    const metrics = await local.call('GET', '/metrics');
    expect(String(metrics.body)).toMatch(/caas_audit_chain_lag_seconds \d/);
    expect(String(metrics.body)).toMatch(/caas_audit_chain_records_total\{outcome="appended"\} \d+/);
  });
});

describe('audit API access', () => {
  it('refuses users, other apps, and an admin who names no app', async () => {
    const alice = await createTestUser(local.call, app, 'alice-2');
    for (const path of ['/v1/audit', '/v1/audit/verify', '/v1/audit/checkpoints']) {
      expect((await local.call('GET', path, { token: alice.token })).status).toBe(403);
      expect((await local.call('GET', path)).status).toBe(401);
      expect((await local.call('GET', `${path}?appId=${app.appId}`, { token: other.serverKey })).status).toBe(403);
      expect((await local.call('GET', path, { token: local.platform.adminToken })).status).toBe(400);
    }
  });

  it('lets the admin read any app and only that app', async () => {
    const entries = await waitForAudit(local.platform.adminToken, 4, `&appId=${app.appId}`);
    expect(entries.every((entry) => entry.record.appId === app.appId)).toBe(true);
  });

  it('answers bad queries with a 4xx', async () => {
    expect((await local.call('GET', '/v1/audit?cursor=%25%25', { token: app.serverKey })).status).toBe(422);
    expect((await local.call('GET', '/v1/audit?cursor=bm9wZQ', { token: app.serverKey })).status).toBe(422);
    expect((await local.call('GET', '/v1/audit?limit=0', { token: app.serverKey })).status).toBe(422);
    expect((await local.call('GET', '/v1/audit/verify?from=5&to=2', { token: app.serverKey })).status).toBe(422);
    expect((await local.call('GET', '/v1/audit?unknown=1', { token: app.serverKey })).status).toBe(422);
  });

  it('pages with a cursor', async () => {
    await waitForAudit(app.serverKey, 4);
    const first = await local.call('GET', '/v1/audit?limit=2', { token: app.serverKey });
    expect(first.body.entries.map((entry: any) => entry.seq)).toEqual([1, 2]);
    const second = await local.call('GET', `/v1/audit?limit=2&cursor=${first.body.nextCursor}`, { token: app.serverKey });
    expect(second.body.entries[0].seq).toBe(3);
  });
});
