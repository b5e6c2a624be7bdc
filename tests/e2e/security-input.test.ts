import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiCall } from '../support/http-client.ts';
import { createChatWorld, createGroup, type ChatWorld } from '../support/chat-fixtures.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

/** Issue 13, items 5 and 7: deep JSON is a 422 naming the field; `image` takes http(s) URLs only. */
let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;
let group: string;

const local = useLocalPlatform({ CAAS_MAX_BODY_BYTES: '1048576' });
beforeAll(async () => {
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben']);
  group = await createGroup(call, world.tokens.ann!, ['ben']);
});

/** `{"a":{"a":…}}` nested `levels` deep, built as text (a JS object that deep would not stringify). */
const deepObject = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const deepArray = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('nesting depth', () => {
  it.each([
    ['custom on a message', () => `/v1/conversations/${group}/messages`, (deep: string) => `{"text":"hi","custom":{"x":${deep}}}`],
    ['custom on a user', () => '/v1/users/ann', (deep: string) => `{"custom":{"x":${deep}}}`],
    ['an unknown field', () => `/v1/conversations/${group}/messages`, (deep: string) => `{"text":"hi","zzz":${deep}}`],
  ])('%s 50 000 levels deep is a 422 naming the field', async (_name, path, body) => {
    for (const deep of [deepObject(50_000), deepArray(50_000)]) {
      const method = path().startsWith('/v1/users') ? 'PATCH' : 'POST';
      const token = method === 'PATCH' ? world.app.serverKey : world.tokens.ann!;
      const response = await call(method, path(), { token, rawBody: body(deep) });
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.errors[0].path).toMatch(/^body\.(custom|zzz)/);
    }
  });

  it('still accepts custom data of ordinary depth', async () => {
    const sent = await call('POST', `/v1/conversations/${group}/messages`, { token: world.tokens.ann!, body: { text: 'ok', custom: { a: { b: { c: [1, 2] } } } } });
    expect(sent.status).toBe(201);
  });
});

describe('image URLs', () => {
  const bad = ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,<script>alert(1)</script>', 'ftp://example.com/a.png', 'vbscript:msgbox(1)'];

  it.each(bad)('refuses %s on users, new and updated conversations', async (image) => {
    const user = await call('PATCH', '/v1/users/ann', { token: world.app.serverKey, body: { image } });
    const created = await call('POST', '/v1/conversations', { token: world.tokens.ann!, body: { type: 'group', name: 'g', memberIds: ['ben'], image } });
    const updated = await call('PATCH', `/v1/conversations/${group}`, { token: world.tokens.ann!, body: { image } });
    for (const response of [user, created, updated]) {
      expect(response.status).toBe(422);
      expect(response.body.errors[0].path).toBe('body.image');
    }
  });

  it('accepts http and https', async () => {
    for (const image of ['https://cdn.example.com/a.png', 'http://example.com/b.jpg']) {
      const user = await call('PATCH', '/v1/users/ann', { token: world.app.serverKey, body: { image } });
      expect(user.status).toBe(200);
      expect(user.body.image).toBe(image);
    }
  });
});
