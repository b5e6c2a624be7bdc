import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isCiphertext } from '../../functions/crypto/ciphertext.ts';
import { unsealed } from '../../functions/crypto/sealed-store.ts';
import { EVENTS } from '../../functions/events/events.ts';
import { MESSAGES } from '../../functions/messages/messages.ts';
import { deliver } from '../../functions/scheduled/delivery.ts';
import { SCHEDULED_MESSAGES, type ScheduledDoc } from '../../functions/scheduled/scheduled.ts';
import { DELIVERIES, type DeliveryDoc } from '../../functions/webhooks/deliveries.ts';
import { attemptDelivery, EndpointBreakers } from '../../functions/webhooks/delivery-attempt.ts';
import { WEBHOOKS, type WebhookDoc } from '../../functions/webhooks/webhooks.ts';
import { createTestUser } from '../support/fixtures.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import type { ApiCall } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { SEALED_MARKERS_ENV, writeSealedMarkers } from '../support/sealed-markers.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { sleep } from '../support/wait-for.ts';

/**
 * Encryption at rest end to end: what the store's files hold, rotation under load, crypto-shredding.
 * The search index holds plaintext tokens by design (docs/encryption.md), so its files are not scanned.
 */
let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;
const t = (user: string) => world.tokens[user]!;

const local = useLocalPlatform(SEALED_MARKERS_ENV);
beforeAll(async () => {
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben', 'eve']);
});

async function storeFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await storeFiles(path)));
    else if (!/search/i.test(path)) out.push(path);
  }
  return out;
}

async function filesHolding(marker: string): Promise<string[]> {
  const hits: string[] = [];
  for (const file of await storeFiles(platform.dataDir)) if ((await readFile(file)).includes(Buffer.from(marker))) hits.push(file);
  return hits;
}

/** Polls until `done` holds: the outbox relay and the indexer work asynchronously. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(25);
  }
}

describe('encryption at rest', () => {
  it('the store files hold no webhook secret, delivery body or scheduled message in clear (nor message, profile)', async () => {
    const markers = await writeSealedMarkers(call, world, 'eve', 'ben', 'e2e9');
    // Published and queued before the files are read.
    await sleep(600);
    for (const marker of markers) expect(await filesHolding(marker), marker).toEqual([]);
  });

  it('the store files hold no message text, custom field, profile name or file name in clear', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    await call('PATCH', '/v1/users/ann', { token: world.app.serverKey, body: { name: 'Profile-MARKER-7f3a' } });
    const sent = await send(call, t('ann'), id, { text: 'Text-MARKER-91bc hello', custom: { note: 'Custom-MARKER-44de' } });
    expect(sent.status).toBe(201);
    await call('PATCH', `/v1/messages/${sent.body.id}`, { token: t('ann'), body: { text: 'Edited-MARKER-0a0a' } });
    // Published to the bus (its own SQLite file) before the files are read.
    await until(() => call('GET', `/v1/conversations/${id}/events?after=0`, { token: t('ben') }), (r) => r.status === 200);
    await sleep(600);
    const read = await call('GET', `/v1/messages/${sent.body.id}`, { token: t('ben') });
    expect(read.body).toMatchObject({ text: 'Edited-MARKER-0a0a', custom: { note: 'Custom-MARKER-44de' }, erased: false });
    expect(read.body.edits[0].text).toBe('Text-MARKER-91bc hello');
    expect((await call('GET', '/v1/users/ann', { token: world.app.serverKey })).body.name).toBe('Profile-MARKER-7f3a');
    for (const marker of ['Profile-MARKER-7f3a', 'Text-MARKER-91bc', 'Custom-MARKER-44de', 'Edited-MARKER-0a0a']) {
      expect(await filesHolding(marker), marker).toEqual([]);
    }
  });

  it('rotation under concurrent sends: every message readable afterwards, the history lists both versions', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    const before = await call('GET', '/v1/keys', { token: world.app.serverKey });
    expect(before.status).toBe(200);
    const sends = Array.from({ length: 30 }, (_, i) => send(call, t(i % 2 ? 'ann' : 'ben'), id, { text: `rot-${i}` }));
    const rotated = await call('POST', '/v1/keys/rotate', { token: world.app.serverKey, body: {} });
    expect(rotated.status).toBe(202);
    expect(rotated.body).toMatchObject({ fromVersion: before.body.currentVersion, version: before.body.currentVersion + 1 });
    expect((await Promise.all(sends)).every((r) => r.status === 201)).toBe(true);
    const after = await until(() => call('GET', '/v1/keys', { token: world.app.serverKey }), (r) => r.body.dataKeys.rewrapDone);
    expect(after.body.currentVersion).toBe(before.body.currentVersion + 1);
    expect(after.body.versions.map((v: { version: number }) => v.version)).toEqual([before.body.currentVersion, before.body.currentVersion + 1]);
    expect(after.body.dataKeys.rewrapDone).toBe(true);
    const history = await until(() => call('GET', '/v1/keys/rotations', { token: world.app.serverKey }), (r) => r.body.rotations[0]?.finishedAt !== null);
    expect(history.body.rotations[0]).toMatchObject({ fromVersion: before.body.currentVersion, version: after.body.currentVersion, error: null });
    const page = await call('GET', `/v1/conversations/${id}/messages?limit=100`, { token: t('ann') });
    expect(page.body.messages.map((m: { text: string }) => m.text).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `rot-${i}`).sort());
  });

  it('shredding a user: their messages come back erased from every API; the raw store holds only ciphertext for them', async () => {
    await createTestUser(call, world.app, 'gus');
    const gus = (await call('POST', '/v1/users/gus/tokens', { token: world.app.serverKey, body: {} })).body.token as string;
    const id = await createGroup(call, t('ann'), ['gus']);
    const theirs = await send(call, gus, id, { text: 'shredme alpha', custom: { k: 'v' } });
    const mine = await send(call, t('ann'), id, { text: 'keepme beta' });
    await until(() => call('GET', '/v1/search/messages?q=shredme', { token: t('ann') }), (r) => r.body.results?.length === 1);

    const shred = await call('POST', '/v1/users/gus/shred', { token: world.app.serverKey, body: {} });
    expect(shred.status).toBe(200);
    expect(shred.body.destroyedKeys).toBeGreaterThan(0);
    const erased = { id: theirs.body.id, text: null, erased: true, custom: {}, authorId: 'gus' };

    expect((await call('GET', `/v1/messages/${theirs.body.id}`, { token: t('ann') })).body).toMatchObject({ ...erased, edits: [] });
    const page = (await call('GET', `/v1/conversations/${id}/messages`, { token: t('ann') })).body.messages;
    expect(page).toEqual([expect.objectContaining(erased), expect.objectContaining({ id: mine.body.id, text: 'keepme beta', erased: false })]);
    const events = (await call('GET', `/v1/conversations/${id}/events?after=0`, { token: t('ann') })).body.events;
    const created = events.find((e: { type: string; payload: { message?: { _id?: string; id?: string } } }) => e.type === 'message.new' && (e.payload.message?._id ?? e.payload.message?.id) === theirs.body.id);
    expect(created.payload.message).toMatchObject({ text: null, erased: true });
    const searched = await until(() => call('GET', '/v1/search/messages?q=shredme', { token: t('ann') }), (r) => r.body.results?.length === 0);
    expect(searched.body.results).toEqual([]);
    // Shredding again is harmless; a tampered ciphertext is still an error, not this shape.
    expect((await call('POST', '/v1/users/gus/shred', { token: world.app.serverKey, body: {} })).body.destroyedKeys).toBe(0);

    const raw = unsealed(platform.services.ports.store);
    const row = await raw.collection(MESSAGES).findOne({ _id: theirs.body.id });
    expect(isCiphertext(row?.text)).toBe(true);
    expect(isCiphertext(row?.custom)).toBe(true);
    const event = await raw.collection(EVENTS).findOne({ type: 'message.new', 'payload.message._id': theirs.body.id });
    expect(isCiphertext((event?.payload as { message: { text: unknown } }).message.text)).toBe(true);
  });

  it("a shredded author's scheduled message and queued webhook delivery are erased: neither is sent, each says why", async () => {
    await createTestUser(call, world.app, 'hal');
    const hal = (await call('POST', '/v1/users/hal/tokens', { token: world.app.serverKey, body: {} })).body.token as string;
    const hook = await call('POST', '/v1/webhooks', { token: world.app.serverKey, body: { url: 'http://127.0.0.2:9/hal', eventTypes: ['message.new'] } });
    const id = await createGroup(call, t('ann'), ['hal']);
    const scheduled = await send(call, hal, id, { text: 'later, hal', sendAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(scheduled.status).toBe(202);
    expect((await send(call, hal, id, { text: 'now, hal' })).status).toBe(201);
    const { services } = platform;
    const { store } = services.ports;
    const delivery = await until(() => store.collection<DeliveryDoc>(DELIVERIES).findOne({ webhookId: hook.body.id }), (row) => row !== null);
    expect(delivery).toMatchObject({ authorId: 'hal', body: expect.stringContaining('now, hal') });
    expect((await call('POST', '/v1/users/hal/shred', { token: world.app.serverKey, body: {} })).status).toBe(200);

    const erased = (await store.collection<DeliveryDoc>(DELIVERIES).findOne({ _id: delivery!._id }))!;
    expect(erased).toMatchObject({ body: null, erased: true });
    const webhook = (await store.collection<WebhookDoc>(WEBHOOKS).findOne({ _id: hook.body.id }))!;
    expect(await attemptDelivery(services, new EndpointBreakers(services), webhook, erased)).toBe(true);
    const dead = await store.collection<DeliveryDoc>(DELIVERIES).findOne({ _id: delivery!._id });
    expect(dead?.status).toBe('dead');
    expect(dead?.attempts.at(-1)?.error).toMatch(/erased \(its author was crypto-shredded\)/);

    const raw = unsealed(store).collection<ScheduledDoc>(SCHEDULED_MESSAGES);
    await raw.updateOne({ _id: scheduled.body.id }, { $set: { status: 'sending', leaseOwner: 'test' } });
    const row = (await store.collection<ScheduledDoc>(SCHEDULED_MESSAGES).findOne({ _id: scheduled.body.id }))!;
    expect(row.message).toMatchObject({ text: null, erased: true });
    expect(await deliver(services, row, 'test')).toBe('failed');
    expect((await raw.findOne({ _id: scheduled.body.id }))?.failure).toMatchObject({ code: 'KEY_DESTROYED' });
  });

  it('refuses to shred or rotate for a user token, and names unknown input', async () => {
    expect((await call('POST', '/v1/keys/rotate', { token: t('ann'), body: {} })).status).toBe(403);
    expect((await call('POST', '/v1/users/ann/shred', { token: t('ann'), body: {} })).status).toBe(403);
    const bad = await call('POST', '/v1/keys/rotate', { token: world.app.serverKey, body: { version: 9 } });
    expect(bad.status).toBe(422);
  });
});
