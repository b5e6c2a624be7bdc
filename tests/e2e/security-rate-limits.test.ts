import { describe, expect, it } from 'vitest';
import { createTestApp, createTestUser } from '../support/fixtures.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

/**
 * Issue 13, item 3: the per-address limits run before authentication for every call, failed
 * authentication has a stricter budget, and X-Forwarded-For counts only from trusted proxies.
 * Each test speaks from its own forwarded address, so buckets never meet. And per credential: a
 * caller refused by its own limit costs the app's shared budget nothing.
 */
const proxied = useLocalPlatform({ CAAS_RATE_LIMIT_IP: '10', CAAS_RATE_LIMIT_AUTH_FAILURES: '3', CAAS_TRUSTED_PROXIES: '127.0.0.1' });
const direct = useLocalPlatform({ CAAS_RATE_LIMIT_AUTH_FAILURES: '2' });
const shared = useLocalPlatform({ CAAS_RATE_LIMIT_USER: '5', CAAS_RATE_LIMIT_APP: '30' });

const from = (ip: string, token?: string) => ({ headers: { 'x-forwarded-for': ip }, ...(token ? { token } : {}) });

describe('before authentication', () => {
  it('throttles unauthenticated calls', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1) statuses.push((await proxied.call('GET', '/openapi.json', from('10.0.0.1'))).status);
    expect(statuses.slice(0, 10).every((status) => status === 200)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  it('throttles admin calls with the right admin token', async () => {
    const token = proxied.platform.adminToken;
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) statuses.push((await proxied.call('POST', '/v1/apps', { ...from('10.0.0.2', token), body: { name: `a${i}` } })).status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    const last = await proxied.call('POST', '/v1/apps', { ...from('10.0.0.2', token), body: { name: 'late' } });
    expect(last.status).toBe(429);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it.each([
    ['forged user tokens', 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhcHBfeCIsInN1YiI6ImEifQ.c2lnbmF0dXJl'],
    ['wrong admin tokens', 'adm_not-the-admin-token-at-all-000000'],
    ['unknown server keys', 'sk_live_nope'],
  ])('gives %s a stricter budget, then refuses even valid credentials from that address', async (_name, bad) => {
    const ip = `10.1.0.${bad.length % 200}`;
    for (let i = 0; i < 3; i += 1) expect((await proxied.call('POST', '/v1/apps', { ...from(ip, bad), body: { name: 'x' } })).status).toBe(401);
    const blocked = await proxied.call('POST', '/v1/apps', { ...from(ip, proxied.platform.adminToken), body: { name: 'x' } });
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('RATE_LIMITED');
    const elsewhere = await proxied.call('POST', '/v1/apps', { ...from('10.2.0.1', proxied.platform.adminToken), body: { name: 'x' } });
    expect(elsewhere.status).toBe(201);
  });
});

describe('X-Forwarded-For', () => {
  it('is ignored unless the peer is a trusted proxy (none by default)', async () => {
    for (let i = 0; i < 2; i += 1) expect((await direct.call('GET', '/v1/me', from(`192.0.2.${i}`, 'forged'))).status).toBe(401);
    const rotated = await direct.call('GET', '/v1/me', from('198.51.100.7', direct.platform.adminToken));
    expect(rotated.status).toBe(429);
  });
});

describe('per credential', () => {
  it("charges the caller's own bucket first: a user hammering past their limit does not use up the app's", async () => {
    const app = await createTestApp(shared.call, shared.platform.adminToken);
    const hammer = await createTestUser(shared.call, app, 'hammer');
    const bystander = await createTestUser(shared.call, app, 'bystander');
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1) statuses.push((await shared.call('GET', '/v1/me', { token: hammer.token })).status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(35);
    // The app's budget (30 a minute) paid for the hammer's 5 answered calls, not its 35 refused ones.
    expect((await shared.call('GET', '/v1/me', { token: bystander.token })).status).toBe(200);
  });
});
