import { beforeAll, describe, expect, it } from 'vitest';
import { mintUserToken } from '../../runtime/auth/user-tokens.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import { createTestUser, type TestApp } from '../support/fixtures.ts';
import type { ApiCall } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { trackSockets } from '../support/track-sockets.ts';
import { connect, connectLive, refusedUpgrade, type RealtimeClient } from '../support/realtime-client.ts';

let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;
let guarded: TestApp;
let guardedToken: string;
const local = useLocalPlatform({}, { realtime: { authTimeoutMs: 300 } });
const open = trackSockets();
const t = (user: string) => world.tokens[user]!;

async function tracked(client: Promise<RealtimeClient>): Promise<RealtimeClient> {
  return open.track(client);
}

beforeAll(async () => {
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben']);
  const created = await call('POST', '/v1/apps', { token: platform.adminToken, body: { name: 'guarded', allowedOrigins: ['https://chat.example.com'] } });
  guarded = { appId: created.body.app.id, serverKey: created.body.serverKey.secret, keyId: created.body.serverKey.id, signingSecret: created.body.signingSecret };
  guardedToken = (await createTestUser(call, guarded, 'gus')).token;
});

describe('authentication in the upgrade (Sec-WebSocket-Protocol)', () => {
  it('accepts a user token and selects the caas.v1 protocol', async () => {
    const client = await tracked(connect(platform.url, { token: t('ann') }));
    expect(client.ws.protocol).toBe('caas.v1');
    const ready = await client.next((f) => f.type === 'ready');
    expect(ready).toMatchObject({ v: 1, userId: 'ann' });
  });

  it('refuses bad, expired and server-key credentials with 401 before any socket exists', async () => {
    const garbage = await refusedUpgrade(platform.url, { token: 'not.a.jwt' });
    expect(garbage.status).toBe(401);
    expect(garbage.body.code).toBe('UNAUTHENTICATED');

    const forged = await mintUserToken({ appId: world.app.appId, userId: 'ann', tokenVersion: 0, ttlSec: 600, now: Date.now() }, 'not-the-secret');
    expect((await refusedUpgrade(platform.url, { token: forged.token })).status).toBe(401);

    const expired = await mintUserToken({ appId: world.app.appId, userId: 'ann', tokenVersion: 0, ttlSec: 60, now: Date.now() - 3_600_000 }, world.app.signingSecret);
    const refused = await refusedUpgrade(platform.url, { token: expired.token });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('TOKEN_EXPIRED');

    expect((await refusedUpgrade(platform.url, { token: world.app.serverKey })).status).toBe(401);
  });

  it('refuses a revoked token', async () => {
    const { token } = await createTestUser(call, world.app, 'revoked-rita');
    expect((await call('POST', '/v1/users/revoked-rita/tokens/revoke', { token: world.app.serverKey })).status).toBeLessThan(300);
    expect((await refusedUpgrade(platform.url, { token })).status).toBe(401);
  });

  it("checks Origin against the app's allowed origins", async () => {
    const wrong = await refusedUpgrade(platform.url, { token: guardedToken, origin: 'https://evil.example.net' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('FORBIDDEN');
    const right = await tracked(connect(platform.url, { token: guardedToken, origin: 'https://chat.example.com' }));
    expect((await right.next((f) => f.type === 'ready')).userId).toBe('gus');
    // An app without allowed origins accepts any.
    const open = await tracked(connect(platform.url, { token: t('ann'), origin: 'https://anywhere.example.org' }));
    await open.next((f) => f.type === 'ready');
  });

  it('refuses tokens in the URL, other paths and protocol offers without caas.v1', async () => {
    const inUrl = await refusedUpgrade(platform.url, { path: `/v1/realtime?access_token=${t('ann')}`, protocols: ['caas.v1'] });
    expect(inUrl.status).toBe(400);
    expect((await refusedUpgrade(platform.url, { path: '/v1/elsewhere', token: t('ann') })).status).toBe(404);
    expect((await refusedUpgrade(platform.url, { protocols: ['chat.v9'] })).status).toBe(400);
  });
});

describe('authentication by a first auth frame', () => {
  it('works like the header, and a pipelined resume follows it in order', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    const client = await tracked(connect(platform.url));
    client.send({ v: 1, type: 'auth', token: t('ben') });
    client.send({ v: 1, type: 'resume', conversations: {} });
    await client.next((f) => f.type === 'subscribed');
    await send(call, t('ann'), id, { text: 'hi' });
    expect((await client.waitForEvents(id, 1))[0]!.payload.message.text).toBe('hi');
    expect(client.frames[0]!.type).toBe('ready');
  });

  it('closes with 4001 for a bad token, a frame before auth, or no auth in time', async () => {
    const bad = await tracked(connect(platform.url));
    bad.send({ type: 'auth', token: 'nope' });
    expect((await bad.closed).code).toBe(4001);

    const early = await tracked(connect(platform.url));
    early.send({ type: 'resume', conversations: {} });
    expect((await early.closed).code).toBe(4001);

    const silent = await tracked(connect(platform.url));
    expect(await silent.closed).toEqual({ code: 4001, reason: 'authentication timeout' });
  });

  it('closes with 4003 when the Origin is not allowed for the token’s app', async () => {
    const client = await tracked(connect(platform.url, { origin: 'https://evil.example.net' }));
    client.send({ type: 'auth', token: guardedToken });
    expect((await client.closed).code).toBe(4003);
  });

  it('a fresh token for the same user extends the connection; another user’s token closes it', async () => {
    const client = await tracked(connectLive(platform.url, t('ann')));
    const fresh = await call('POST', '/v1/users/ann/tokens', { token: world.app.serverKey, body: {} });
    client.send({ type: 'auth', token: fresh.body.token });
    expect((await client.next((f) => f.type === 'auth.refreshed')).expiresAt).toBeGreaterThan(Date.now());
    client.send({ type: 'auth', token: t('ben') });
    expect((await client.closed).code).toBe(4001);
  });
});
