import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import type { ApiCall } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { trackSockets } from '../support/track-sockets.ts';
import { connectLive, type RealtimeClient } from '../support/realtime-client.ts';

let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;
let otherApp: ChatWorld;
const local = useLocalPlatform();
const open = trackSockets();
const t = (user: string) => world.tokens[user]!;

async function live(token: string, resume: Record<string, number> = {}): Promise<RealtimeClient> {
  const client = await connectLive(platform.url, token, resume);
  return open.track(client);
}

beforeAll(async () => {
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben', 'cat', 'dan', 'eve']);
  otherApp = await createChatWorld(call, platform.adminToken, ['ann', 'ben']);
});

describe('live delivery', () => {
  it('pushes messages, reactions and read receipts of my conversations as they happen', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    const ben = await live(t('ben'));
    const sent = await send(call, t('ann'), id, { text: 'hello ben' });
    expect(sent.status).toBe(201);
    await call('PUT', `/v1/messages/${sent.body.id}/reactions/thumbsup`, { token: t('ann') });
    await call('POST', `/v1/conversations/${id}/read`, { token: t('ann'), body: {} });

    const events = await ben.waitForEvents(id, 3);
    expect(events.map((e) => e.type)).toEqual(['message.new', 'reaction.added', 'read']);
    expect(events[0]).toMatchObject({ conversationId: id, seq: sent.body.seq, actorId: 'ann', payload: { message: { text: 'hello ben' } } });
    expect(events[2]!.payload).toMatchObject({ userId: 'ann' });
    expect(events.map((e) => e.seq)).toEqual([sent.body.seq, sent.body.seq + 1, sent.body.seq + 2]);
    expect(ben.frames.every((f) => f.v === 1)).toBe(true);
  });

  it('delivers each conversation in sequence order, once, under concurrent senders', async () => {
    const id = await createGroup(call, t('ann'), ['ben', 'cat', 'dan']);
    const dan = await live(t('dan'));
    const start = (await dan.next((f) => f.type === 'subscribed')).conversations[id] as number;
    await Promise.all(
      ['ann', 'ben', 'cat'].map(async (sender) => {
        for (let i = 0; i < 30; i++) expect((await send(call, t(sender), id, { text: `${sender}-${i}` })).status).toBe(201);
      }),
    );
    const events = await dan.waitForEvents(id, 90);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 90 }, (_, i) => start + 1 + i));
    for (const sender of ['ann', 'ben', 'cat']) {
      const texts = events.filter((e) => e.actorId === sender).map((e) => e.payload.message.text);
      expect(texts).toEqual(Array.from({ length: 30 }, (_, i) => `${sender}-${i}`));
    }
  });

  it('a user with two sockets gets every event on both', async () => {
    const id = await createGroup(call, t('ann'), ['eve']);
    const [phone, laptop] = [await live(t('eve')), await live(t('eve'))];
    await send(call, t('ann'), id, { text: 'both' });
    for (const socket of [phone, laptop]) expect((await socket.waitForEvents(id, 1))[0]!.payload.message.text).toBe('both');
  });
});

describe('membership changes take effect live', () => {
  it('a member added while connected gets the member event and what follows; a removed one stops receiving', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    const [ben, cat] = [await live(t('ben')), await live(t('cat'))];
    await send(call, t('ann'), id, { text: 'before cat' });

    expect((await call('POST', `/v1/conversations/${id}/members`, { token: t('ann'), body: { userIds: ['cat'] } })).status).toBe(200);
    await send(call, t('ann'), id, { text: 'welcome cat' });
    const joined = await cat.waitForEvents(id, 2);
    expect(joined.map((e) => e.type)).toEqual(['member.added', 'message.new']);
    expect(joined[1]!.payload.message.text).toBe('welcome cat');

    expect((await call('DELETE', `/v1/conversations/${id}/members/cat`, { token: t('ann') })).status).toBe(204);
    await send(call, t('ann'), id, { text: 'after cat left' });
    // The node hands an event to all its sockets at once: once ben has it, cat would have too.
    await waitFor(() => ben.messages(id).some((m) => m.text === 'after cat left'), undefined, 'ben gets the last message');
    await waitFor(() => cat.events(id).some((e) => e.type === 'member.removed'), undefined, 'cat sees her removal');
    expect(cat.messages(id).map((m) => m.text)).toEqual(['welcome cat']);
  });

  it('a conversation created with me while I am connected starts streaming at once', async () => {
    const dan = await live(t('dan'));
    const id = await createGroup(call, t('ann'), ['dan'], 'fresh');
    await send(call, t('ann'), id, { text: 'first words' });
    const events = await dan.waitForEvents(id, 2);
    expect(events.map((e) => e.type)).toEqual(['conversation.created', 'message.new']);
  });
});

describe('isolation', () => {
  it('a socket never sees events of conversations it is not in, nor of another app', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    const outsider = await live(t('dan'));
    const twin = await live(otherApp.tokens.ben!);
    const ben = await live(t('ben'));
    await send(call, t('ann'), id, { text: 'private' });
    await ben.waitForEvents(id, 1);
    // A later event in the outsider's own conversation proves the stream reached it after 'private'.
    const own = await createGroup(call, t('ann'), ['dan']);
    await outsider.waitForEvents(own, 1);
    expect(outsider.events(id)).toEqual([]);
    expect(JSON.stringify(outsider.frames)).not.toContain('private');
    const twinOwn = await createGroup(call, otherApp.tokens.ann!, ['ben']);
    await twin.waitForEvents(twinOwn, 1);
    expect(twin.events(id)).toEqual([]);
    expect(JSON.stringify(twin.frames)).not.toContain('private');
  });

  it('resuming a conversation I am not in yields resync, never its events', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    await send(call, t('ann'), id, { text: 'secret' });
    const eve = await live(t('eve'), { [id]: 0 });
    const resync = await eve.next((f) => f.type === 'resync' && f.conversationId === id);
    expect(resync.reason).toBe('not_a_member');
    expect(JSON.stringify(eve.frames)).not.toContain('secret');
  });

  it('a shadow-banned author sees their messages live; nobody else does', async () => {
    const id = await createGroup(call, t('ann'), ['ben', 'cat']);
    const [ben, cat] = [await live(t('ben')), await live(t('cat'))];
    expect((await call('PUT', '/v1/users/cat/ban', { token: world.app.serverKey, body: { shadow: true } })).status).toBeLessThan(300);
    await send(call, t('cat'), id, { text: 'only I see this' });
    await send(call, t('ann'), id, { text: 'visible' });
    await waitFor(() => cat.messages(id).length === 2, undefined, 'cat sees both');
    await waitFor(() => ben.messages(id).length === 1, undefined, 'ben sees the visible one');
    expect(ben.messages(id).map((m) => m.text)).toEqual(['visible']);
    await call('DELETE', '/v1/users/cat/ban', { token: world.app.serverKey });
  });
});
