import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import { apiClient, type ApiCall } from '../support/http-client.ts';
import { engineEnv, startLocalPlatform, type LocalPlatform } from '../support/local-platform.ts';

/**
 * Two router processes' worth of services on one set of data: a change made through one takes
 * effect through the other within a second, although each keeps hot reads in its read cache. On
 * the real engines the invalidation travels over Redis pub/sub (a lost one is caught by the version
 * stamps: tests/infra/cache.redis.test.ts); in local mode two platforms share only the data dir, so
 * this checks the TTL backstop (CAAS_READ_CACHE_TTL_MS, 1 s).
 */
let first: LocalPlatform;
let second: LocalPlatform;
let callFirst: ApiCall;
let callSecond: ApiCall;
let world: ChatWorld;

beforeAll(async () => {
  const shared = engineEnv();
  first = await startLocalPlatform(shared);
  second = await startLocalPlatform({ ...shared, CAAS_DATA_DIR: first.dataDir, CAAS_ADMIN_TOKEN: first.adminToken });
  callFirst = apiClient(first.url);
  callSecond = apiClient(second.url);
  world = await createChatWorld(callFirst, first.adminToken, ['owner', 'member']);
});
afterAll(async () => {
  await second?.close();
  await first?.close();
});

/** Polls a call through the other process until it answers `status`; at most ~1.5 s (TTL 1 s). */
async function answersWithin(call: () => Promise<{ status: number }>, status: number): Promise<number> {
  const started = Date.now();
  await expect.poll(async () => (await call()).status, { timeout: 1_500, interval: 50 }).toBe(status);
  return Date.now() - started;
}

describe('changes reach every process within a second', () => {
  it('a ban made through one process refuses sends through the other', async () => {
    const id = await createGroup(callFirst, world.tokens.owner!, ['member']);
    expect((await send(callSecond, world.tokens.member!, id, { text: 'warm the cache' })).status).toBe(201);
    await callFirst('PUT', '/v1/users/member/ban', { token: world.app.serverKey, body: { reason: 'spam' } });
    await answersWithin(() => send(callSecond, world.tokens.member!, id, { text: 'after the ban' }), 403);
  });

  it('a removal made through one process refuses sends through the other', async () => {
    const id = await createGroup(callFirst, world.tokens.owner!, ['member']);
    await callFirst('DELETE', '/v1/users/member/ban', { token: world.app.serverKey });
    await answersWithin(() => send(callSecond, world.tokens.member!, id, { text: 'unbanned, and the cache warm' }), 201);
    expect((await callFirst('DELETE', `/v1/conversations/${id}/members/member`, { token: world.tokens.owner! })).status).toBeLessThan(300);
    await answersWithin(() => send(callSecond, world.tokens.member!, id, { text: 'after removal' }), 404);
  });

  it('revoked tokens and keys stop working through the other process', async () => {
    expect((await callSecond('GET', '/v1/me', { token: world.tokens.owner! })).status).toBe(200);
    await callFirst('POST', '/v1/users/owner/tokens/revoke', { token: world.app.serverKey });
    await answersWithin(() => callSecond('GET', '/v1/me', { token: world.tokens.owner! }), 401);

    const issued = await callFirst('POST', `/v1/apps/${world.app.appId}/keys`, { token: first.adminToken, body: { name: 'doomed' } });
    expect((await callSecond('GET', '/v1/users/member', { token: issued.body.secret })).status).toBe(200);
    await callFirst('DELETE', `/v1/apps/${world.app.appId}/keys/${issued.body.id}`, { token: first.adminToken });
    await answersWithin(() => callSecond('GET', '/v1/users/member', { token: issued.body.secret }), 401);
  });

  it('a conversation hidden through one process comes back with the next message sent through the other', async () => {
    const { tokens } = await createChatWorld(callFirst, first.adminToken, ['host', 'guest']);
    const id = await createGroup(callFirst, tokens.host!, ['guest']);
    const listedFor = async (userId: string) =>
      (await callFirst('GET', '/v1/conversations', { token: tokens[userId]! })).body.conversations.map((c: { id: string }) => c.id) as string[];
    // The other process learns, and caches, that nobody has hidden it.
    expect((await send(callSecond, tokens.host!, id, { text: 'before' })).status).toBe(201);
    await callFirst('PUT', `/v1/conversations/${id}/visibility`, { token: tokens.guest!, body: { hidden: true } });
    expect(await listedFor('guest')).not.toContain(id);
    await expect
      .poll(
        async () => {
          expect((await send(callSecond, tokens.host!, id, { text: 'are you there?' })).status).toBe(201);
          return listedFor('guest');
        },
        { timeout: 1_500, interval: 50 },
      )
      .toContain(id);
  });
});
