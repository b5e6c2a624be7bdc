import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import { eventually } from '../support/eventually.ts';
import type { ApiCall } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { controlClock, type TestClock } from '../support/test-clock.ts';

let platform: LocalPlatform;
let call: ApiCall;
let clock: TestClock;
let world: ChatWorld;
const t = (user: string) => world.tokens[user]!;

const local = useLocalPlatform();
beforeAll(async () => {
  ({ platform, call } = local);
  clock = controlClock(platform);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben']);
});

const texts = async (conversationId: string) =>
  (await call('GET', `/v1/conversations/${conversationId}/messages?limit=200`, { token: t('ben') })).body.messages.map((m: { text: string }) => m.text);
const searchIds = async (word: string) =>
  (await call('GET', `/v1/search/messages?q=${word}`, { token: t('ben') })).body.results.map((hit: { message: { id: string } }) => hit.message.id) as string[];

async function uploadPdf(token: string): Promise<string> {
  const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n', 'latin1'), randomBytes(64)]);
  const sha256 = createHash('sha256').update(bytes).digest('base64');
  const declared = await call('POST', '/v1/media/uploads', { token, body: { fileName: 'note.pdf', contentType: 'application/pdf', size: bytes.byteLength, sha256 } });
  expect(declared.status).toBe(201);
  const { method, url, headers } = declared.body.upload;
  expect((await fetch(url, { method, headers, body: new Uint8Array(bytes) })).status).toBe(200);
  expect((await call('POST', `/v1/media/${declared.body.id}/complete`, { token })).status).toBe(200);
  return declared.body.id;
}

describe('disappearing messages', () => {
  it("a conversation's messageTtlSeconds removes its messages when due: store, events, search, preview", async () => {
    const created = await call('POST', '/v1/conversations', { token: t('ann'), body: { type: 'group', memberIds: ['ben'], name: 'ephemeral', messageTtlSeconds: 60 } });
    expect(created.status).toBe(201);
    expect(created.body.messageTtlSeconds).toBe(60);
    const id = created.body.id;
    const word = `vanish${randomBytes(3).toString('hex')}`;
    const sent = await send(call, t('ann'), id, { text: `${word} soon` });
    expect(sent.body.expiresAt).toBe(sent.body.createdAt + 60_000);
    await eventually(() => searchIds(word), (ids) => ids.includes(sent.body.id), 'indexed');

    clock.advance(61_000);
    await eventually(() => texts(id), (list) => list.length === 0, 'expired');
    expect((await call('GET', `/v1/messages/${sent.body.id}`, { token: t('ann') })).status).toBe(404);
    const events = (await call('GET', `/v1/conversations/${id}/events?after=0`, { token: t('ben') })).body.events;
    expect(events.at(-1)).toMatchObject({ type: 'message.deleted', actorId: null, payload: { messageId: sent.body.id, hard: true, reason: 'expired' } });
    await eventually(() => searchIds(word), (ids) => ids.length === 0, 'removed from search');
    const conversation = await call('GET', `/v1/conversations/${id}`, { token: t('ben') });
    expect(conversation.body.lastMessage).toBeNull();
  });

  it('ttlSeconds on a message overrides the conversation; messages without one stay', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    const keeps = await send(call, t('ann'), id, { text: 'stays' });
    expect(keeps.body.expiresAt).toBeNull();
    await send(call, t('ann'), id, { text: 'short', ttlSeconds: 5 });
    await send(call, t('ann'), id, { text: 'long', ttlSeconds: 3600 });
    clock.advance(6_000);
    await eventually(() => texts(id), (list) => !list.includes('short'), 'short one expired');
    expect(await texts(id)).toEqual(['stays', 'long']);
    expect((await call('GET', `/v1/conversations/${id}`, { token: t('ben') })).body.lastMessage.text).toBe('long');

    const changed = await call('PATCH', `/v1/conversations/${id}`, { token: t('ann'), body: { messageTtlSeconds: 10 } });
    expect(changed.body.messageTtlSeconds).toBe(10);
    const later = await send(call, t('ann'), id, { text: 'ten seconds' });
    expect(later.body.expiresAt).toBe(later.body.createdAt + 10_000);
    expect((await call('PATCH', `/v1/conversations/${id}`, { token: t('ann'), body: { messageTtlSeconds: null } })).body.messageTtlSeconds).toBeNull();
    expect((await send(call, t('ann'), id, { text: 'forever' })).body.expiresAt).toBeNull();
  });

  it('removes attachments from blob storage with the message', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    const mediaId = await uploadPdf(t('ann'));
    const sent = await send(call, t('ann'), id, { text: 'file', attachments: [mediaId], ttlSeconds: 30 });
    expect(sent.status).toBe(201);
    expect((await call('GET', `/v1/media/${mediaId}`, { token: t('ben') })).status).toBe(200);
    const objects = async () => (await platform.services.ports.blob.list(`${world.app.appId}/`)).map((meta) => meta.key).filter((key) => key.includes(mediaId));
    expect(await objects()).not.toHaveLength(0);
    clock.advance(31_000);
    await eventually(() => call('GET', `/v1/media/${mediaId}`, { token: t('ann') }), (response) => response.status === 404, 'media removed');
    expect(await objects()).toEqual([]);
  });

  it('refuses bad TTLs with 422 and writes nothing', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    for (const ttlSeconds of [0, -5, 1.5, 'soon', 366 * 24 * 3600]) {
      const response = await send(call, t('ann'), id, { text: 'x', ttlSeconds });
      expect(response.status, String(ttlSeconds)).toBe(422);
      expect(response.body.errors[0].path).toBe('body.ttlSeconds');
    }
    for (const messageTtlSeconds of [0, 'day', true]) {
      expect((await call('PATCH', `/v1/conversations/${id}`, { token: t('ann'), body: { messageTtlSeconds } })).status).toBe(422);
      expect((await call('POST', '/v1/conversations', { token: t('ann'), body: { type: 'group', messageTtlSeconds } })).status).toBe(422);
    }
    expect((await call('PATCH', `/v1/conversations/${id}`, { token: t('ben'), body: { messageTtlSeconds: 60 } })).status).toBe(403);
    expect(await texts(id)).toEqual([]);
    expect((await call('GET', `/v1/conversations/${id}`, { token: t('ben') })).body.messageTtlSeconds).toBeNull();
  });
});
