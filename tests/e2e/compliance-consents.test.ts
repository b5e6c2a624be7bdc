import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestUser, type TestApp } from '../support/fixtures.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

const local = useLocalPlatform();
let app: TestApp;
let other: TestApp;
let userToken: string;

beforeAll(async () => {
  app = await createTestApp(local.call, local.platform.adminToken, 'consents');
  other = await createTestApp(local.call, local.platform.adminToken, 'other');
  userToken = (await createTestUser(local.call, app, 'carol')).token;
});

const grant = { status: 'granted', source: 'signup-form', policyVersion: '2026-01' };

describe('consents', () => {
  it('records decisions per purpose and keeps the full history', async () => {
    const first = await local.call('PUT', '/v1/users/carol/consents/marketing', { token: app.serverKey, body: grant });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ purpose: 'marketing', status: 'granted', source: 'signup-form', policyVersion: '2026-01' });
    const withdrawn = await local.call('PUT', '/v1/users/carol/consents/marketing', {
      token: app.serverKey,
      body: { status: 'withdrawn', source: 'settings', policyVersion: '2026-02' },
    });
    expect(withdrawn.status).toBe(200);
    const many = await local.call('PUT', '/v1/users/carol/consents', {
      token: app.serverKey,
      body: { source: 'cookie-banner', policyVersion: '2026-02', purposes: { analytics: 'granted', personalization: 'withdrawn' } },
    });
    expect(many.status).toBe(200);
    expect(many.body.consents.map((c: any) => c.purpose)).toEqual(['analytics', 'personalization']);

    const one = await local.call('GET', '/v1/users/carol/consents/marketing', { token: app.serverKey });
    expect(one.body.consent).toMatchObject({ status: 'withdrawn', source: 'settings', policyVersion: '2026-02' });
    expect(one.body.history.map((c: any) => c.status)).toEqual(['granted', 'withdrawn']);
    expect(one.body.history[0].at).toBeLessThanOrEqual(one.body.history[1].at);

    const all = await local.call('GET', '/v1/users/carol/consents', { token: app.serverKey });
    expect(all.body.consents.map((c: any) => [c.purpose, c.status])).toEqual([
      ['analytics', 'granted'],
      ['marketing', 'withdrawn'],
      ['personalization', 'withdrawn'],
    ]);
    expect(all.body.history).toHaveLength(4);
  });

  it('audits every change', async () => {
    await local.call('PUT', '/v1/users/carol/consents/newsletter', { token: app.serverKey, body: grant });
    let entries: any[] = [];
    await local.platform.router.audit.flush();
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      entries = (await local.call('GET', '/v1/audit?action=consents.put&resource=newsletter', { token: app.serverKey })).body.entries;
      if (entries.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(entries).toHaveLength(1);
    expect(entries[0].record).toMatchObject({ method: 'PUT', status: 200, outcome: 'success', target: { purpose: 'newsletter' } });
    expect(entries[0].record.target.userId).toMatch(/^psn_/);
  });

  it('answers unknown users and purposes with 404, bad input with 4xx, users and other apps with 403/404', async () => {
    expect((await local.call('PUT', '/v1/users/nobody/consents/marketing', { token: app.serverKey, body: grant })).status).toBe(404);
    expect((await local.call('GET', '/v1/users/nobody/consents', { token: app.serverKey })).status).toBe(404);
    expect((await local.call('GET', '/v1/users/carol/consents/never-asked', { token: app.serverKey })).status).toBe(404);
    expect((await local.call('GET', '/v1/users/carol/consents', { token: other.serverKey })).status).toBe(404);
    expect((await local.call('GET', '/v1/users/carol/consents', { token: userToken })).status).toBe(403);
    expect((await local.call('PUT', '/v1/users/carol/consents/marketing', { token: app.serverKey, body: { ...grant, status: 'maybe' } })).status).toBe(422);
    expect((await local.call('PUT', '/v1/users/carol/consents/Bad Purpose', { token: app.serverKey, body: grant })).status).toBe(422);
    expect((await local.call('PUT', '/v1/users/carol/consents', { token: app.serverKey, body: { source: 's', policyVersion: 'v', purposes: {} } })).status).toBe(422);
    const history = await local.call('GET', '/v1/users/carol/consents/marketing', { token: app.serverKey });
    expect(history.body.history).toHaveLength(2); // nothing refused was recorded
  });
});
