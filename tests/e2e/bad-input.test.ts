import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiCall } from '../support/http-client.ts';
import { createTestApp, type TestApp } from '../support/fixtures.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

let platform: LocalPlatform;
let call: ApiCall;
let app: TestApp;

const local = useLocalPlatform({ CAAS_MAX_BODY_BYTES: '4096' });
beforeAll(async () => {
  ({ platform, call } = local);
  app = await createTestApp(call, platform.adminToken);
});

async function expectNoUser(userId: string) {
  expect((await call('GET', `/v1/users/${userId}`, { token: app.serverKey })).status).toBe(404);
}

describe('bad input gets a clear problem and changes nothing', () => {
  it('malformed JSON: 400 problem+json', async () => {
    const response = await call('PUT', '/v1/users/m1', { token: app.serverKey, rawBody: '{"name": "x",' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body).toMatchObject({ code: 'BAD_REQUEST', status: 400, type: expect.stringContaining('bad-request') });
    expect(response.body.requestId).toBe(response.headers.get('x-request-id'));
    await expectNoUser('m1');
  });

  it('wrong types: 422 naming the field', async () => {
    const response = await call('PUT', '/v1/users/m2', { token: app.serverKey, body: { name: 42 } });
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'body.name' })]);
    await expectNoUser('m2');
  });

  it('unknown fields: 422', async () => {
    const response = await call('PUT', '/v1/users/m3', { token: app.serverKey, body: { name: 'x', isAdmin: true } });
    expect(response.status).toBe(422);
    expect(response.body.detail).toContain('isAdmin');
    await expectNoUser('m3');
  });

  it('operator-looking input is data, never a query', async () => {
    const response = await call('GET', `/v1/users/${encodeURIComponent('{"$ne":null}')}`, { token: app.serverKey });
    expect(response.status).toBe(422);
    const custom = await call('PUT', '/v1/users/m4', { token: app.serverKey, body: { custom: { nested: { $where: 'sleep(1)' } } } });
    expect(custom.status).toBe(422);
    expect(custom.body.detail).toContain('$where');
    await expectNoUser('m4');
    const dotted = await call('PUT', '/v1/users/m4', { token: app.serverKey, body: { custom: { 'a.b': 1 } } });
    expect(dotted.status).toBe(422);
  });

  it('oversize body: 413, declared or streamed', async () => {
    const big = { name: 'x', custom: { blob: 'y'.repeat(5000) } };
    const declared = await call('PUT', '/v1/users/m5', { token: app.serverKey, body: big });
    expect(declared.status).toBe(413);
    expect(declared.body.code).toBe('PAYLOAD_TOO_LARGE');

    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(1000)));
        controller.close();
      },
    });
    const streamed = await fetch(`${platform.url}/v1/users/m5`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${app.serverKey}`, 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    await expectNoUser('m5');
  });

  it('non-JSON media type: 415', async () => {
    const response = await call('PUT', '/v1/users/m6', { token: app.serverKey, rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response.status).toBe(415);
    await expectNoUser('m6');
  });

  it('missing body where one is required: 422', async () => {
    const response = await call('POST', '/v1/apps', { token: platform.adminToken });
    expect(response.status).toBe(422);
  });

  it('unknown routes: 404 problem+json', async () => {
    const response = await call('GET', '/v1/nope');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('never leaks a stack trace', async () => {
    const response = await call('PUT', '/v1/users/m7', { token: app.serverKey, rawBody: '[' });
    expect(JSON.stringify(response.body)).not.toMatch(/at .*\.ts:\d+/);
  });
});
