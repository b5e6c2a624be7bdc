import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiCall } from '../support/http-client.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;
const t = (user: string) => world.tokens[user]!;
const server = () => world.app.serverKey;

const local = useLocalPlatform();
beforeAll(async () => {
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['mod', 'ann', 'ben', 'troll', 'shady']);
});

describe('bans', () => {
  it('a banned user cannot send until the ban ends or is lifted', async () => {
    const id = await createGroup(call, t('mod'), ['troll']);
    expect((await call('PUT', '/v1/users/troll/ban', { token: server(), body: { reason: 'spam' } })).body).toMatchObject({ banned: true, permanent: true });
    const refused = await send(call, t('troll'), id, { text: 'spam' });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain('banned');
    await call('DELETE', '/v1/users/troll/ban', { token: server() });
    expect((await send(call, t('troll'), id, { text: 'sorry' })).status).toBe(201);

    await call('PUT', '/v1/users/troll/ban', { token: server(), body: { until: Date.now() - 1000 } });
    expect((await send(call, t('troll'), id, { text: 'expired ban' })).status).toBe(201);
  });

  it('a shadow-banned user sends happily, but only they see it', async () => {
    const id = await createGroup(call, t('mod'), ['shady', 'ann']);
    await call('PUT', '/v1/users/shady/ban', { token: server(), body: { shadow: true } });
    const sent = await send(call, t('shady'), id, { text: 'buy my stuff' });
    expect(sent.status).toBe(201);
    const own = await call('GET', `/v1/conversations/${id}/messages`, { token: t('shady') });
    expect(own.body.messages.map((m: { text: string }) => m.text)).toEqual(['buy my stuff']);
    expect((await call('GET', `/v1/conversations/${id}/messages`, { token: t('ann') })).body.messages).toEqual([]);
    expect((await call('GET', `/v1/messages/${sent.body.id}`, { token: t('ann') })).status).toBe(404);
    const annEvents = (await call('GET', `/v1/conversations/${id}/events`, { token: t('ann') })).body.events;
    expect(annEvents.some((event: { type: string }) => event.type === 'message.new')).toBe(false);
    expect((await call('GET', '/v1/conversations', { token: t('ann') })).body.conversations[0].unreadCount).toBe(0);
    await call('DELETE', '/v1/users/shady/ban', { token: server() });
  });

  it('only server keys ban', async () => {
    expect((await call('PUT', '/v1/users/troll/ban', { token: t('mod'), body: {} })).status).toBe(403);
  });
});

describe('per-conversation mute, remove and slow mode', () => {
  it('a muted member reads but cannot send until unmuted', async () => {
    const id = await createGroup(call, t('mod'), ['ann']);
    await call('PATCH', `/v1/conversations/${id}/members/ann`, { token: t('mod'), body: { mutedUntil: Date.now() + 60_000 } });
    expect((await send(call, t('ann'), id, { text: 'x' })).status).toBe(403);
    expect((await call('GET', `/v1/conversations/${id}/messages`, { token: t('ann') })).status).toBe(200);
    await call('PATCH', `/v1/conversations/${id}/members/ann`, { token: t('mod'), body: { mutedUntil: null } });
    expect((await send(call, t('ann'), id, { text: 'x' })).status).toBe(201);
  });

  it('slow mode: one message per cooldown for members, with Retry-After; moderators exempt', async () => {
    const id = await createGroup(call, t('mod'), ['ann']);
    await call('PATCH', `/v1/conversations/${id}`, { token: t('mod'), body: { slowModeSeconds: 30 } });
    expect((await send(call, t('ann'), id, { text: 'first' })).status).toBe(201);
    const second = await send(call, t('ann'), id, { text: 'second' });
    expect(second.status).toBe(429);
    expect(second.body.code).toBe('RATE_LIMITED');
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await send(call, t('mod'), id, { text: 'mods talk freely' })).status).toBe(201);
    expect((await send(call, t('mod'), id, { text: 'and again' })).status).toBe(201);
  });
});

describe('block lists', () => {
  it('a block stops direct messages both ways, and creating a direct conversation', async () => {
    const direct = await call('POST', '/v1/conversations', { token: t('ann'), body: { type: 'direct', memberIds: ['ben'] } });
    expect((await send(call, t('ben'), direct.body.id, { text: 'hi' })).status).toBe(201);
    expect((await call('PUT', '/v1/me/blocks/ben', { token: t('ann') })).status).toBe(204);
    expect((await call('GET', '/v1/me/blocks', { token: t('ann') })).body.blocked.map((b: { userId: string }) => b.userId)).toEqual(['ben']);
    expect((await send(call, t('ben'), direct.body.id, { text: 'hello?' })).status).toBe(403);
    expect((await send(call, t('ann'), direct.body.id, { text: 'bye' })).status).toBe(403);
    const fresh = await call('POST', '/v1/conversations', { token: t('mod'), body: { type: 'direct', memberIds: ['troll'] } });
    expect(fresh.status).toBe(201);
    await call('PUT', '/v1/me/blocks/mod', { token: t('shady') });
    expect((await call('POST', '/v1/conversations', { token: t('mod'), body: { type: 'direct', memberIds: ['shady'] } })).status).toBe(403);
    await call('DELETE', '/v1/me/blocks/ben', { token: t('ann') });
    expect((await send(call, t('ben'), direct.body.id, { text: 'friends again' })).status).toBe(201);
    expect((await call('DELETE', '/v1/me/blocks/ben', { token: t('ann') })).status).toBe(404);
    expect((await call('PUT', '/v1/me/blocks/nobody', { token: t('ann') })).status).toBe(404);
  });
});

describe('flags and the review queue', () => {
  it('members flag; moderators list and resolve by deleting or banning', async () => {
    const id = await createGroup(call, t('mod'), ['ann', 'troll']);
    const bad = await send(call, t('troll'), id, { text: 'offensive' });
    const flagged = await call('POST', `/v1/messages/${bad.body.id}/flags`, { token: t('ann'), body: { reason: 'abuse' } });
    expect(flagged.status).toBe(201);
    expect((await call('POST', `/v1/messages/${bad.body.id}/flags`, { token: t('ann'), body: { reason: 'abuse' } })).body.id).toBe(flagged.body.id);
    const queue = await call('GET', '/v1/moderation/flags', { token: server() });
    expect(queue.body.flags.map((flag: { id: string }) => flag.id)).toContain(flagged.body.id);
    const resolved = await call('POST', `/v1/moderation/flags/${flagged.body.id}/resolve`, { token: server(), body: { action: 'delete_message' } });
    expect(resolved.body.status).toBe('actioned');
    expect((await call('GET', `/v1/messages/${bad.body.id}`, { token: t('ann') })).body.deleted).toBe(true);
    expect((await call('GET', '/v1/moderation/flags', { token: server() })).body.flags.map((flag: { id: string }) => flag.id)).not.toContain(flagged.body.id);

    const worse = await send(call, t('troll'), id, { text: 'worse' });
    const second = await call('POST', `/v1/messages/${worse.body.id}/flags`, { token: t('ann'), body: { reason: 'again' } });
    await call('POST', `/v1/moderation/flags/${second.body.id}/resolve`, { token: server(), body: { action: 'ban_author' } });
    expect((await send(call, t('troll'), id, { text: 'x' })).status).toBe(403);
    await call('DELETE', '/v1/users/troll/ban', { token: server() });
  });
});

describe('word blocklist', () => {
  it('rejects or masks whole words, case-insensitively, on send and edit', async () => {
    const id = await createGroup(call, t('mod'), ['ann']);
    await call('PUT', '/v1/moderation/blocklist', { token: server(), body: { words: ['Darn'], mode: 'reject' } });
    const refused = await send(call, t('ann'), id, { text: 'oh DARN it' });
    expect(refused.status).toBe(422);
    expect((await send(call, t('ann'), id, { text: 'darning socks' })).status).toBe(201);
    await call('PUT', '/v1/moderation/blocklist', { token: server(), body: { words: ['darn', 'heck'], mode: 'mask' } });
    expect((await send(call, t('ann'), id, { text: 'Darn, what the heck' })).body.text).toBe('****, what the ****');
    const clean = await send(call, t('ann'), id, { text: 'fine' });
    expect((await call('PATCH', `/v1/messages/${clean.body.id}`, { token: t('ann'), body: { text: 'heck no' } })).body.text).toBe('**** no');
    await call('PUT', '/v1/moderation/blocklist', { token: server(), body: { words: [] } });
  });
});
