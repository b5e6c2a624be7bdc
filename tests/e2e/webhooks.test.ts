import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventView } from '../../functions/events/event-codec.ts';
import { enqueueEvents } from '../../functions/webhooks/deliveries.ts';
import { verifySignature } from '../../functions/webhooks/signing.ts';
import { WEBHOOKS, type WebhookDoc } from '../../functions/webhooks/webhooks.ts';
import { waitFor } from '../support/wait-for.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import { verifyWithNodeRecipe, verifyWithPythonRecipe } from '../support/doc-recipes.ts';
import type { ApiCall } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { createWebhook, eventOf, eventually, FAST_WEBHOOKS, signedParts } from '../support/webhook-fixtures.ts';
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

const sendText = (text: string) => send(call, world.tokens.alice!, conversationId, { text });
const deliveries = async (webhookId: string, query = '') =>
  (await call('GET', `/v1/webhooks/${webhookId}/deliveries${query}`, { token: world.app.serverKey })).body.deliveries as any[];

/** Endpoints of earlier tests stop receiving, so a test's timing depends on its own endpoints only. */
async function disableAllWebhooks(): Promise<void> {
  const { webhooks } = (await call('GET', '/v1/webhooks', { token: world.app.serverKey })).body;
  for (const hook of webhooks) await call('PATCH', `/v1/webhooks/${hook.id}`, { token: world.app.serverKey, body: { enabled: false } });
}

describe('webhooks', () => {
  it('signs deliveries the Standard Webhooks way; the documented Node and Python recipes verify them', async () => {
    const hook = await createWebhook(call, world.app.serverKey, { url: receiver.url('/signed'), eventTypes: ['message.new'] });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    await sendText('hello hooks');
    await waitFor(() => receiver.received('/signed').length >= 1, 10_000, 'a delivery');
    const [request] = receiver.received('/signed');
    expect(eventOf(request!)).toMatchObject({ type: 'message.new', data: { conversationId, payload: { message: { text: 'hello hooks' } } } });
    expect(request!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const parts = signedParts(request!, hook.secret);
    const tampered = { ...parts, body: parts.body.replace('hello', 'HELLO') };
    const wrongKey = { ...parts, secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}` };
    expect(verifySignature(hook.secret, { id: parts.headers['webhook-id'], timestamp: parts.headers['webhook-timestamp'], signature: parts.headers['webhook-signature'] }, parts.body)).toBe(true);
    expect(await verifyWithNodeRecipe([parts, tampered, wrongKey])).toEqual([true, false, false]);
    expect(await verifyWithPythonRecipe([parts, tampered, wrongKey])).toEqual([true, false, false]);
    // The filter: a reaction is not a message.new, so this endpoint never sees it.
    const id = eventOf(request!).data.payload.message._id as string;
    await call('PUT', `/v1/messages/${id}/reactions/👍`, { token: world.tokens.bob! });
    await sendText('after the reaction');
    await waitFor(() => receiver.received('/signed').length >= 2, 10_000, 'the next message');
    expect(receiver.received('/signed').map((r) => eventOf(r).type)).toEqual(['message.new', 'message.new']);
  });

  it('a rotated secret signs beside the old one during the overlap, alone after it', async () => {
    const hook = await createWebhook(call, world.app.serverKey, { url: receiver.url('/rotate'), eventTypes: ['message.new'] });
    const rotated = await call('PATCH', `/v1/webhooks/${hook.id}`, { token: world.app.serverKey, body: { rotateSecret: true, secretOverlapSeconds: 3600 } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(hook.secret);
    expect(rotated.body.previousSecretExpiresAt).toBeGreaterThan(Date.now());
    await sendText('during overlap');
    await waitFor(() => receiver.received('/rotate').length >= 1, 10_000, 'overlap delivery');
    const during = receiver.received('/rotate')[0]!;
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    const parts = [signedParts(during, hook.secret), signedParts(during, rotated.body.secret)];
    expect(await verifyWithNodeRecipe(parts)).toEqual([true, true]);
    const again = await call('PATCH', `/v1/webhooks/${hook.id}`, { token: world.app.serverKey, body: { rotateSecret: true, secretOverlapSeconds: 0 } });
    await sendText('after overlap');
    await waitFor(() => receiver.received('/rotate').length >= 2, 10_000, 'post-overlap delivery');
    const after = receiver.received('/rotate')[1]!;
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(await verifyWithPythonRecipe([signedParts(after, again.body.secret), signedParts(after, rotated.body.secret)])).toEqual([true, false]);
  });

  it('retries after 5xx answers and timeouts, with the same webhook-id, until delivered; the log shows every attempt', async () => {
    receiver.on('/flaky', (_request, nth) => (nth === 1 ? { status: 500 } : nth === 2 ? { status: 503 } : nth === 3 ? { status: 200, delayMs: 1_500 } : { status: 204 }));
    const hook = await createWebhook(call, world.app.serverKey, { url: receiver.url('/flaky'), eventTypes: ['message.new'] });
    await sendText('persist');
    await waitFor(() => receiver.received('/flaky').length >= 4, 15_000, 'four attempts');
    const log = await eventually(() => deliveries(hook.id), (rows) => rows[0]?.status === 'succeeded', 'delivery marked succeeded');
    expect(log).toHaveLength(1);
    expect(log[0].status).toBe('succeeded');
    expect(log[0].attempts.map((attempt: any) => attempt.status)).toEqual([500, 503, null, 204]);
    expect(log[0].attempts[2].error).toMatch(/timed out/);
    expect(new Set(receiver.received('/flaky').map((r) => r.headers['webhook-id'])).size).toBe(1);
    const stats = (await call('GET', `/v1/webhooks/${hook.id}`, { token: world.app.serverKey })).body.stats;
    expect(stats).toMatchObject({ attemptsSucceeded: 1, attemptsFailed: 3, delivered: 1, dead: 0, successRate: 0.25 });
  });

  it('dead-letters a delivery still failing when its retry window ends; a replay sends it again with the same webhook-id', async () => {
    let healthy = false;
    receiver.on('/down', () => ({ status: healthy ? 200 : 502 }));
    const hook = await createWebhook(call, world.app.serverKey, { url: receiver.url('/down'), eventTypes: ['message.new'] });
    await sendText('into the void');
    const dead = await eventually(() => deliveries(hook.id, '?status=dead'), (rows) => rows.length === 1, 'a dead letter');
    expect(dead[0].attempts.length).toBeGreaterThan(2);
    expect(dead[0].attempts.every((attempt: any) => attempt.error !== null)).toBe(true);
    const stats = (await call('GET', `/v1/webhooks/${hook.id}`, { token: world.app.serverKey })).body.stats;
    expect(stats).toMatchObject({ delivered: 0, dead: 1, successRate: 0 });

    const early = await call('POST', `/v1/webhooks/${hook.id}/deliveries/dlv_00000000000000000000000000/replay`, { token: world.app.serverKey });
    expect(early.status).toBe(404);
    healthy = true;
    const replay = await call('POST', `/v1/webhooks/${hook.id}/deliveries/${dead[0].id}/replay`, { token: world.app.serverKey });
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ replayOf: dead[0].id, messageId: dead[0].messageId, status: 'pending' });
    const done = await eventually(() => deliveries(hook.id, '?status=succeeded'), (rows) => rows.length === 1, 'replay delivered');
    expect(done[0].id).toBe(replay.body.id);
    const last = receiver.received('/down').at(-1)!;
    expect(last.headers['webhook-id']).toBe(dead[0].messageId);
    expect(eventOf(last).data.payload.message.text).toBe('into the void');
  });

  it('keeps order per endpoint: a failing delivery holds back the ones after it', async () => {
    await disableAllWebhooks();
    receiver.on('/ordered', (_request, nth) => ({ status: nth % 3 === 1 ? 500 : 200 }));
    const hook = await createWebhook(call, world.app.serverKey, { url: receiver.url('/ordered'), eventTypes: ['message.new'] });
    const other = await createGroup(call, world.tokens.bob!, ['alice']);
    for (let i = 0; i < 6; i++) {
      await sendText(`a${i}`);
      await send(call, world.tokens.bob!, other, { text: `b${i}` });
    }
    const log = await eventually(() => deliveries(hook.id, '?status=succeeded'), (rows) => rows.length === 12, 'twelve deliveries');
    const answered = receiver.received('/ordered').filter((_request, i) => (i + 1) % 3 !== 1);
    // Delivered in the endpoint's queue order (seq), each failure retried before the next is sent.
    expect(answered.map((request) => request.headers['webhook-id'])).toEqual([...log].reverse().map((row) => row.messageId));
    const delivered = answered.map((request) => eventOf(request).data);
    for (const id of [conversationId, other]) {
      const seqs = delivered.filter((event) => event.conversationId === id).map((event) => event.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(seqs).toHaveLength(6);
    }
  });

  it('queues an event the bus delivers again once per endpoint, and a new event of the same batch after the rest', async () => {
    await disableAllWebhooks();
    const hook = await createWebhook(call, world.app.serverKey, { url: receiver.url('/redelivered'), eventTypes: ['message.new'] });
    for (let i = 0; i < 3; i++) await sendText(`r${i}`);
    await eventually(async () => receiver.received('/redelivered').length, (count) => count === 3, 'three deliveries');
    const events = receiver.received('/redelivered').map((request) => {
      const { appId: _appId, ...event } = eventOf(request).data as unknown as EventView & { appId: string };
      return event as EventView;
    });
    // A fourth message while the endpoint is off: no delivery of its own yet.
    await call('PATCH', `/v1/webhooks/${hook.id}`, { token: world.app.serverKey, body: { enabled: false } });
    await sendText('r3');
    await call('PATCH', `/v1/webhooks/${hook.id}`, { token: world.app.serverKey, body: { enabled: true } });
    const later = (await call('GET', `/v1/conversations/${conversationId}/events?after=${events[2]!.seq}`, { token: world.tokens.alice! })).body.events as EventView[];
    const fourthEvent = later.filter((event) => event.type === 'message.new').at(-1)!;
    expect(fourthEvent.payload).toMatchObject({ message: { text: 'r3' } });
    const webhook = (await platform.services.ports.store.collection<WebhookDoc>(WEBHOOKS).findOne({ _id: hook.id }))!;
    // Redelivered by the bus: a whole batch again, then one with a duplicate inside it and a new event at its end.
    await enqueueEvents(platform.services, webhook, events);
    await enqueueEvents(platform.services, webhook, [events[1]!, events[2]!, events[2]!, fourthEvent]);
    await eventually(async () => receiver.received('/redelivered').length, (count) => count === 4, 'the fourth delivery');
    const log = await deliveries(hook.id);
    expect(log.map((row) => row.eventId).reverse()).toEqual([...events.map((event) => event.id), fourthEvent.id]);
    expect(new Set(receiver.received('/redelivered').map((request) => request.headers['webhook-id'])).size).toBe(4);
  });

  it('a failing endpoint with a backlog holds back only itself, never another endpoint', async () => {
    await disableAllWebhooks();
    receiver.on('/stuck', () => ({ status: 500 }));
    const stuck = await createWebhook(call, world.app.serverKey, { url: receiver.url('/stuck'), eventTypes: ['message.new'] });
    const healthy = await createWebhook(call, world.app.serverKey, { url: receiver.url('/healthy'), eventTypes: ['message.new'] });
    for (let i = 0; i < 5; i++) await sendText(`backlog ${i}`);
    await eventually(async () => receiver.received('/healthy').length, (count) => count === 5, 'the healthy endpoint got all five');
    const backlog = await deliveries(stuck.id, '?status=pending');
    expect(backlog.length).toBeGreaterThan(0);
    // The stuck endpoint retries its head until it is dead before moving on: its ids never interleave.
    const ids = receiver.received('/stuck').map((request) => String(request.headers['webhook-id']));
    const runs = ids.filter((id, i) => i === 0 || ids[i - 1] !== id);
    expect(new Set(runs).size).toBe(runs.length);
    await call('PATCH', `/v1/webhooks/${stuck.id}`, { token: world.app.serverKey, body: { enabled: false } });
    expect((await call('GET', `/v1/webhooks/${healthy.id}`, { token: world.app.serverKey })).body.stats.successRate).toBe(1);
  });
});

