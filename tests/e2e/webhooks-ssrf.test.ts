import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import type { ApiCall } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { createWebhook, eventually, FAST_WEBHOOKS } from '../support/webhook-fixtures.ts';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

let platform: LocalPlatform;
let receiver: WebhookReceiver;
let call: ApiCall;
let world: ChatWorld;
let conversationId: string;

const local = useLocalPlatform(FAST_WEBHOOKS);
beforeAll(async () => {
  receiver = await startReceiver();
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['alice', 'bob']);
  conversationId = await createGroup(call, world.tokens.alice!, ['bob']);
});

afterAll(async () => {
  await receiver?.close();
});

const deliveries = async (webhookId: string) => (await call('GET', `/v1/webhooks/${webhookId}/deliveries`, { token: world.app.serverKey })).body.deliveries as any[];

describe('webhooks: SSRF guard', () => {
  it.each([
    ['loopback', 'http://127.0.0.1:3000/hook'],
    ['private 10/8', 'http://10.0.0.8/hook'],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/hook'],
    ['decimal loopback', 'http://2130706433/hook'],
    ['another scheme', 'gopher://example.com/hook'],
  ])('refuses a %s URL at registration with a 422 naming the field', async (_what, url) => {
    const response = await call('POST', '/v1/webhooks', { token: world.app.serverKey, body: { url } });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'body.url' })]);
    const patched = await call('GET', '/v1/webhooks', { token: world.app.serverKey });
    expect(patched.body.webhooks.every((hook: any) => hook.url !== url)).toBe(true);
  });

  it('a host name that resolves to loopback is refused when delivering: dead at once, the reason logged', async () => {
    const hook = await createWebhook(call, world.app.serverKey, { url: `http://localhost:${new URL(platform.url).port}/v1/apps`, eventTypes: ['message.new'] });
    await send(call, world.tokens.alice!, conversationId, { text: 'to localhost' });
    const [row] = await eventually(() => deliveries(hook.id), (rows) => rows[0]?.status === 'dead', 'refused delivery');
    expect(row.attempts).toHaveLength(1);
    expect(row.attempts[0]).toMatchObject({ status: null, error: expect.stringMatching(/localhost resolves to .* not a public address/) });
  });

  it('a redirect towards the metadata address is not followed: the attempt fails, nothing else is called', async () => {
    receiver.on('/redirect', () => ({ status: 307, headers: { location: 'http://169.254.169.254/latest/meta-data/' } }));
    const hook = await createWebhook(call, world.app.serverKey, { url: receiver.url('/redirect'), eventTypes: ['message.new'] });
    await send(call, world.tokens.alice!, conversationId, { text: 'redirect me' });
    const [row] = await eventually(() => deliveries(hook.id), (rows) => rows[0]?.attempts.length >= 1, 'an attempt');
    expect(row.attempts[0]).toMatchObject({ status: 307, error: expect.stringMatching(/redirect to http:\/\/169\.254\.169\.254\/latest\/meta-data\/ not followed/) });
    await call('PATCH', `/v1/webhooks/${hook.id}`, { token: world.app.serverKey, body: { enabled: false } });
  });

  it('only the app that owns a webhook sees it', async () => {
    const hook = await createWebhook(call, world.app.serverKey, { url: receiver.url('/mine') });
    const other = await createChatWorld(call, platform.adminToken, ['carol']);
    expect((await call('GET', `/v1/webhooks/${hook.id}`, { token: other.app.serverKey })).status).toBe(404);
    expect((await call('GET', `/v1/webhooks/${hook.id}`, { token: world.tokens.alice! })).status).toBe(403);
    expect((await call('DELETE', `/v1/webhooks/${hook.id}`, { token: other.app.serverKey })).status).toBe(404);
    expect((await call('DELETE', `/v1/webhooks/${hook.id}`, { token: world.app.serverKey })).status).toBe(204);
  });
});
