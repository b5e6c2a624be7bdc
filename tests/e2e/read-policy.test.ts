import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import { eventually } from '../support/eventually.ts';
import type { ApiCall } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { connectLive } from '../support/realtime-client.ts';

/**
 * What may be read without being a member, and what a banned user may still do: the policy the
 * README states ("Who may read what").
 */
let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;
let outsider: ChatWorld;
const t = (user: string) => world.tokens[user]!;

const local = useLocalPlatform();
beforeAll(async () => {
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben', 'cat', 'troll']);
  outsider = await createChatWorld(call, platform.adminToken, ['eve']);
});

const searchIds = async (token: string, word: string) =>
  (await call('GET', `/v1/search/messages?q=${word}`, { token })).body.results.map((hit: { message: { id: string } }) => hit.message.id) as string[];

describe('channels are readable by anyone in the app without joining', () => {
  it('a non-member reads the channel, its history, events, messages and occupancy, but must join to post or react', async () => {
    const channel = (await call('POST', '/v1/conversations', { token: t('ann'), body: { type: 'channel', name: 'news' } })).body.id;
    const word = `chan${randomBytes(3).toString('hex')}`;
    const sent = await send(call, t('ann'), channel, { text: `${word} welcome` });
    expect((await call('GET', `/v1/conversations/${channel}`, { token: t('cat') })).body).toMatchObject({ id: channel, membership: null });
    expect((await call('GET', `/v1/conversations/${channel}/messages`, { token: t('cat') })).body.messages.map((m: { id: string }) => m.id)).toEqual([sent.body.id]);
    expect((await call('GET', `/v1/conversations/${channel}/events?after=0`, { token: t('cat') })).status).toBe(200);
    expect((await call('GET', `/v1/messages/${sent.body.id}`, { token: t('cat') })).status).toBe(200);
    expect((await call('GET', `/v1/conversations/${channel}/occupancy`, { token: t('cat') })).status).toBe(200);

    const refused = await send(call, t('cat'), channel, { text: 'hi' });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain('join');
    // Reacting, like posting, needs membership (the reaction endpoints answer a non-member 404).
    expect((await call('PUT', `/v1/messages/${sent.body.id}/reactions/thumbsup`, { token: t('cat') })).status).toBe(404);
    // Search covers the conversations the caller belongs to: a channel once joined.
    await eventually(() => searchIds(t('ann'), word), (ids) => ids.length === 1, 'indexed');
    expect(await searchIds(t('cat'), word)).toEqual([]);
    expect((await call('POST', `/v1/conversations/${channel}/join`, { token: t('cat') })).status).toBe(200);
    expect((await send(call, t('cat'), channel, { text: 'hi' })).status).toBe(201);
    expect(await searchIds(t('cat'), word)).toEqual([sent.body.id]);

    expect((await call('GET', `/v1/conversations/${channel}/messages`, { token: outsider.tokens.eve! })).status).toBe(404);
  });

  it('groups and direct conversations stay private to their members', async () => {
    const group = await createGroup(call, t('ann'), ['ben']);
    const sent = await send(call, t('ann'), group, { text: 'private' });
    expect((await call('GET', `/v1/conversations/${group}`, { token: t('cat') })).status).toBe(404);
    expect((await call('GET', `/v1/conversations/${group}/messages`, { token: t('cat') })).status).toBe(404);
    expect((await call('GET', `/v1/messages/${sent.body.id}`, { token: t('cat') })).status).toBe(404);
    expect((await call('POST', `/v1/conversations/${group}/join`, { token: t('cat') })).status).toBe(404);
  });
});

describe('a banned user', () => {
  it('keeps reading the conversations they belong to, live included, but cannot post, edit, react, join or create', async () => {
    const group = await createGroup(call, t('ann'), ['troll']);
    const own = await send(call, t('troll'), group, { text: 'before the ban' });
    const channel = (await call('POST', '/v1/conversations', { token: t('ann'), body: { type: 'channel', name: 'open' } })).body.id;
    expect((await call('PUT', '/v1/users/troll/ban', { token: world.app.serverKey, body: { reason: 'spam' } })).status).toBe(200);

    expect((await call('GET', '/v1/me', { token: t('troll') })).status).toBe(200);
    expect((await call('GET', '/v1/conversations', { token: t('troll') })).body.conversations.map((c: { id: string }) => c.id)).toContain(group);
    expect((await call('GET', `/v1/conversations/${group}/messages`, { token: t('troll') })).status).toBe(200);
    expect((await call('GET', `/v1/conversations/${group}/events?after=0`, { token: t('troll') })).status).toBe(200);
    const socket = await connectLive(platform.url, t('troll'));
    const later = await send(call, t('ann'), group, { text: 'you can still read this' });
    await socket.next((f) => f.type === 'event' && f.event.payload?.message?.text === 'you can still read this', 'live delivery');
    await socket.close();

    for (const [response, what] of [
      [await send(call, t('troll'), group, { text: 'spam' }), 'send'],
      [await call('PATCH', `/v1/messages/${own.body.id}`, { token: t('troll'), body: { text: 'edited spam' } }), 'edit'],
      [await call('PUT', `/v1/messages/${later.body.id}/reactions/thumbsdown`, { token: t('troll') }), 'react'],
      [await call('POST', `/v1/conversations/${channel}/join`, { token: t('troll') }), 'join'],
      [await call('POST', '/v1/conversations', { token: t('troll'), body: { type: 'group', memberIds: ['ben'] } }), 'create'],
    ] as const) {
      expect(response.status, what).toBe(403);
      expect(response.body.detail, what).toContain('banned');
    }
    expect((await call('GET', `/v1/conversations/${group}/messages`, { token: t('ann') })).body.messages.map((m: { text: string }) => m.text)).toEqual([
      'before the ban',
      'you can still read this',
    ]);
    await call('DELETE', '/v1/users/troll/ban', { token: world.app.serverKey });
    expect((await send(call, t('troll'), group, { text: 'sorry' })).status).toBe(201);
  });
});
