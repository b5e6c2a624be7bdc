import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiCall } from '../support/http-client.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;
let other: ChatWorld;
const t = (user: string) => world.tokens[user]!;

const local = useLocalPlatform();
beforeAll(async () => {
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben', 'cat', 'dan', 'eve']);
  other = await createChatWorld(call, platform.adminToken, ['ann', 'zed']);
});

describe('direct conversations', () => {
  it('are unique per pair: creating again (either side) returns the same one', async () => {
    const first = await call('POST', '/v1/conversations', { token: t('ann'), body: { type: 'direct', memberIds: ['ben'] } });
    expect(first.status).toBe(201);
    const again = await call('POST', '/v1/conversations', { token: t('ben'), body: { type: 'direct', memberIds: ['ann'] } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(first.body.memberCount).toBe(2);
  });

  it('stay unique when created concurrently', async () => {
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        call('POST', '/v1/conversations', { token: t(i % 2 ? 'cat' : 'dan'), body: { type: 'direct', memberIds: [i % 2 ? 'dan' : 'cat'] } }),
      ),
    );
    expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
    expect(responses.filter((response) => response.status === 201)).toHaveLength(1);
  });

  it('need exactly one other existing user of the same app', async () => {
    expect((await call('POST', '/v1/conversations', { token: t('ann'), body: { type: 'direct', memberIds: [] } })).status).toBe(422);
    expect((await call('POST', '/v1/conversations', { token: t('ann'), body: { type: 'direct', memberIds: ['ben', 'cat'] } })).status).toBe(422);
    expect((await call('POST', '/v1/conversations', { token: t('ann'), body: { type: 'direct', memberIds: ['zed'] } })).status).toBe(404);
  });
});

describe('groups, roles and membership', () => {
  it('makes the creator owner; members read, non-members and other apps get 404', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    const asBen = await call('GET', `/v1/conversations/${id}`, { token: t('ben') });
    expect(asBen.status).toBe(200);
    expect(asBen.body.membership.role).toBe('member');
    expect((await call('GET', `/v1/conversations/${id}`, { token: t('ann') })).body.membership.role).toBe('owner');
    expect((await call('GET', `/v1/conversations/${id}`, { token: t('cat') })).status).toBe(404);
    expect((await call('GET', `/v1/conversations/${id}`, { token: other.tokens.ann! })).status).toBe(404);
    expect((await call('GET', `/v1/conversations/${id}/messages`, { token: other.app.serverKey })).status).toBe(404);
    expect((await send(call, t('cat'), id, { text: 'let me in' })).status).toBe(404);
  });

  it('only owners and admins add members; only owners make admins', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    expect((await call('POST', `/v1/conversations/${id}/members`, { token: t('ben'), body: { userIds: ['cat'] } })).status).toBe(403);
    expect((await call('POST', `/v1/conversations/${id}/members`, { token: t('ann'), body: { userIds: ['cat'], role: 'admin' } })).status).toBe(200);
    expect((await call('POST', `/v1/conversations/${id}/members`, { token: t('cat'), body: { userIds: ['dan'] } })).body.added).toHaveLength(1);
    expect((await call('POST', `/v1/conversations/${id}/members`, { token: t('cat'), body: { userIds: ['eve'], role: 'admin' } })).status).toBe(403);
    const members = await call('GET', `/v1/conversations/${id}/members`, { token: t('dan') });
    expect(members.body.members.map((member: { userId: string; role: string }) => `${member.userId}:${member.role}`).sort()).toEqual([
      'ann:owner',
      'ben:member',
      'cat:admin',
      'dan:member',
    ]);
  });

  it('members leave; admins remove members but not owners', async () => {
    const id = await createGroup(call, t('ann'), ['ben', 'cat', 'dan']);
    await call('PATCH', `/v1/conversations/${id}/members/cat`, { token: t('ann'), body: { role: 'admin' } });
    expect((await call('DELETE', `/v1/conversations/${id}/members/ann`, { token: t('cat') })).status).toBe(403);
    expect((await call('DELETE', `/v1/conversations/${id}/members/dan`, { token: t('cat') })).status).toBe(204);
    expect((await call('DELETE', `/v1/conversations/${id}/members/ben`, { token: t('ben') })).status).toBe(204);
    expect((await call('GET', `/v1/conversations/${id}`, { token: t('ben') })).status).toBe(404);
    expect((await call('GET', `/v1/conversations/${id}`, { token: t('ann') })).body.memberCount).toBe(2);
  });

  it('updates name and custom data (moderators only)', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    expect((await call('PATCH', `/v1/conversations/${id}`, { token: t('ben'), body: { name: 'x' } })).status).toBe(403);
    const updated = await call('PATCH', `/v1/conversations/${id}`, { token: t('ann'), body: { name: 'Renamed', custom: { topic: 'q3' } } });
    expect(updated.body).toMatchObject({ name: 'Renamed', custom: { topic: 'q3' } });
  });
});

describe('channels', () => {
  it('are readable and joinable by any user of the app', async () => {
    const created = await call('POST', '/v1/conversations', { token: t('ann'), body: { type: 'channel', name: 'general' } });
    const id = created.body.id;
    await send(call, t('ann'), id, { text: 'welcome' });
    expect((await call('GET', `/v1/conversations/${id}/messages`, { token: t('eve') })).body.messages).toHaveLength(1);
    expect((await send(call, t('eve'), id, { text: 'hi' })).status).toBe(403);
    expect((await call('POST', `/v1/conversations/${id}/join`, { token: t('eve') })).body.role).toBe('member');
    expect((await send(call, t('eve'), id, { text: 'hi' })).status).toBe(201);
    expect((await call('POST', `/v1/conversations/${id}/join`, { token: other.tokens.zed! })).status).toBe(404);
  });
});

describe('my conversations', () => {
  it('lists by last activity with unread counts and the last message; hides and archives per member', async () => {
    const world2 = await createChatWorld(call, platform.adminToken, ['p', 'q', 'r']);
    const tk = (u: string) => world2.tokens[u]!;
    const first = await createGroup(call, tk('p'), ['q'], 'first');
    const second = await createGroup(call, tk('p'), ['q'], 'second');
    const third = await createGroup(call, tk('p'), ['r'], 'not for q');
    await send(call, tk('p'), second, { text: 'older' });
    await send(call, tk('p'), first, { text: 'one' });
    await send(call, tk('p'), first, { text: 'two' });

    const listed = await call('GET', '/v1/conversations', { token: tk('q') });
    expect(listed.body.conversations.map((c: { id: string }) => c.id)).toEqual([first, second]);
    expect(listed.body.conversations[0]).toMatchObject({ unreadCount: 2, lastMessage: { text: 'two', authorId: 'p' } });
    expect(listed.body.totalUnread).toBe(3);
    expect(listed.body.conversations.some((c: { id: string }) => c.id === third)).toBe(false);
    expect((await call('GET', '/v1/conversations', { token: tk('p') })).body.conversations[0].unreadCount).toBe(0);

    await call('PUT', `/v1/conversations/${second}/visibility`, { token: tk('q'), body: { hidden: true } });
    expect((await call('GET', '/v1/conversations', { token: tk('q') })).body.conversations.map((c: { id: string }) => c.id)).toEqual([first]);
    await send(call, tk('p'), second, { text: 'back again' });
    expect((await call('GET', '/v1/conversations', { token: tk('q') })).body.conversations.map((c: { id: string }) => c.id)).toEqual([second, first]);

    await call('PUT', `/v1/conversations/${first}/visibility`, { token: tk('q'), body: { archived: true } });
    await send(call, tk('p'), first, { text: 'still archived' });
    expect((await call('GET', '/v1/conversations', { token: tk('q') })).body.conversations.map((c: { id: string }) => c.id)).toEqual([second]);
    expect((await call('GET', '/v1/conversations?archived=true', { token: tk('q') })).body.conversations.map((c: { id: string }) => c.id)).toEqual([first]);
  });

  it('pages with a cursor and refuses a malformed one', async () => {
    const world3 = await createChatWorld(call, platform.adminToken, ['m', 'n']);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await createGroup(call, world3.tokens.m!, ['n'], `g${i}`));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { conversations: Array<{ id: string }>; nextCursor: string | null } } = await call('GET', `/v1/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
        token: world3.tokens.n!,
      });
      seen.push(...page.body.conversations.map((c) => c.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids].sort());
    expect((await call('GET', '/v1/conversations?cursor=%%%', { token: world3.tokens.n! })).status).toBe(400);
  });
});
