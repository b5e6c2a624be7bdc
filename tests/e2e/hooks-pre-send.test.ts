import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../functions/webhooks/signing.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import type { ApiCall } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { FAST_WEBHOOKS } from '../support/webhook-fixtures.ts';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

let platform: LocalPlatform;
let receiver: WebhookReceiver;
let call: ApiCall;
let world: ChatWorld;
let conversationId: string;
let secret: string;

const local = useLocalPlatform(FAST_WEBHOOKS);
beforeAll(async () => {
  receiver = await startReceiver();
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['alice', 'bob']);
  conversationId = await createGroup(call, world.tokens.alice!, ['bob']);
  receiver.on('/pre-send', (request) => {
    const text: string = JSON.parse(request.body).message.text;
    if (text.startsWith('reject')) return { body: { action: 'reject', reason: 'No spoilers, please' } };
    if (text.startsWith('rewrite')) return { body: { action: 'rewrite', text: text.replace('darn', '****') } };
    if (text.startsWith('slow')) return { body: { action: 'allow' }, delayMs: 1_000 };
    if (text.startsWith('nonsense')) return { body: { action: 'maybe' } };
    return { body: { action: 'allow' } };
  });
  const put = await call('PUT', '/v1/hooks/pre-send', { token: world.app.serverKey, body: { url: receiver.url('/pre-send'), timeoutMs: 150 } });
  expect(put.status).toBe(201);
  secret = put.body.secret;
});

afterAll(async () => {
  await receiver?.close();
});

const sendText = (text: string) => send(call, world.tokens.alice!, conversationId, { text });
const texts = async () => ((await call('GET', `/v1/conversations/${conversationId}/messages`, { token: world.tokens.alice! })).body.messages as any[]).map((m) => m.text);
const setFailureMode = (failureMode: 'open' | 'closed') =>
  call('PUT', '/v1/hooks/pre-send', { token: world.app.serverKey, body: { url: receiver.url('/pre-send'), timeoutMs: 150, failureMode } });

describe('pre-send hook', () => {
  it('is configured per app: GET shows it without the secret; a private URL is refused', async () => {
    expect(secret).toMatch(/^whsec_/);
    const got = await call('GET', '/v1/hooks/pre-send', { token: world.app.serverKey });
    expect(got.body).toMatchObject({ kind: 'pre-send', timeoutMs: 150, failureMode: 'open' });
    expect(got.body.secret).toBeUndefined();
    const refused = await call('PUT', '/v1/hooks/pre-send', { token: world.app.serverKey, body: { url: 'http://10.0.0.1/hook' } });
    expect(refused.status).toBe(422);
    expect((await call('GET', '/v1/hooks/pre-send', { token: world.app.serverKey })).body.url).toBe(receiver.url('/pre-send'));
  });

  it('allows: the message is stored as sent, and the hook saw it signed', async () => {
    const sent = await sendText('hello there');
    expect(sent.status).toBe(201);
    expect(sent.body.text).toBe('hello there');
    const request = receiver.received('/pre-send').at(-1)!;
    expect(JSON.parse(request.body)).toMatchObject({ type: 'message.pre-send', appId: world.app.appId, message: { conversationId, authorId: 'alice', text: 'hello there' } });
    const headers = { id: String(request.headers['webhook-id']), timestamp: String(request.headers['webhook-timestamp']), signature: String(request.headers['webhook-signature']) };
    expect(verifySignature(secret, headers, request.body)).toBe(true);
  });

  it('rejects with a reason the sender sees, and nothing is stored', async () => {
    const before = await texts();
    const sent = await sendText('reject: the butler did it');
    expect(sent.status).toBe(422);
    expect(sent.body).toMatchObject({ code: 'MESSAGE_REJECTED', detail: 'No spoilers, please' });
    expect(await texts()).toEqual(before);
  });

  it('rewrites the text that is stored', async () => {
    const sent = await sendText('rewrite this darn thing');
    expect(sent.status).toBe(201);
    expect(sent.body.text).toBe('rewrite this **** thing');
    expect(await texts()).toContain('rewrite this **** thing');
  });

  it('a hook over its time budget lets the message through when it fails open', async () => {
    const sent = await sendText('slow but fine');
    expect(sent.status).toBe(201);
    expect(sent.body.text).toBe('slow but fine');
  });

  it('a hook over its time budget, or answering nonsense, refuses the message when it fails closed', async () => {
    expect((await setFailureMode('closed')).status).toBe(200);
    const before = await texts();
    const slow = await sendText('slow and refused');
    expect(slow.status).toBe(503);
    expect(slow.body.code).toBe('HOOK_FAILED');
    expect(slow.body.detail).toMatch(/timed out/);
    const nonsense = await sendText('nonsense answer');
    expect(nonsense.status).toBe(503);
    expect(await texts()).toEqual(before);
    await setFailureMode('open');
  });

  it('reports its latency by outcome in /metrics; DELETE removes it', async () => {
    const metrics = await (await fetch(`${platform.url}/metrics`)).text();
    for (const outcome of ['allow', 'reject', 'rewrite', 'failed']) expect(metrics).toContain(`caas_pre_send_hook_duration_seconds_count{outcome="${outcome}"}`);
    expect((await call('DELETE', '/v1/hooks/pre-send', { token: world.app.serverKey })).status).toBe(204);
    expect((await sendText('reject: no hook any more')).status).toBe(201);
    expect((await call('GET', '/v1/hooks/pre-send', { token: world.app.serverKey })).status).toBe(404);
  });
});
