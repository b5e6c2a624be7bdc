import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiCall } from '../support/http-client.ts';
import { createTestApp, createTestUser, type TestApp } from '../support/fixtures.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

let platform: LocalPlatform;
let call: ApiCall;
let app: TestApp;

const local = useLocalPlatform({ CAAS_RATE_LIMIT_USER: '5', CAAS_RATE_LIMIT_KEY: '40' });
beforeAll(async () => {
  ({ platform, call } = local);
  app = await createTestApp(call, platform.adminToken);
});

describe('rate limits', () => {
  it('per user: the burst passes with RateLimit headers, then 429 with Retry-After; other users are unaffected', async () => {
    const greedy = await createTestUser(call, app, 'greedy');
    const calm = await createTestUser(call, app, 'calm');
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 6; i++) {
      last = await call('GET', '/v1/me', { token: greedy.token });
      statuses.push(last.status);
      if (i === 0) {
        expect(last.headers.get('ratelimit-limit')).toBe('5');
        expect(last.headers.get('ratelimit-remaining')).toBe('4');
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(last!.body.code).toBe('RATE_LIMITED');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call('GET', '/v1/me', { token: calm.token })).status).toBe(200);
  });
});
