import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiCall } from '../support/http-client.ts';
import { createTestApp, createTestUser, type TestApp } from '../support/fixtures.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { connect, connectLive } from '../support/realtime-client.ts';
import { trackSockets } from '../support/track-sockets.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

/**
 * Open sockets follow access changes at once (not at the next heartbeat, 30 s away here): revoked
 * tokens, a deleted or banned user close their sockets; and a user may hold only so many sockets.
 */
let platform: LocalPlatform;
let call: ApiCall;
let app: TestApp;

const local = useLocalPlatform({ CAAS_MAX_SOCKETS_PER_USER: '2' });
const sockets = trackSockets();
beforeAll(async () => {
  ({ platform, call } = local);
  app = await createTestApp(call, platform.adminToken, 'sockets');
});

async function liveUser(userId: string) {
  const user = await createTestUser(call, app, userId);
  return { ...user, socket: await sockets.track(connectLive(platform.url, user.token)) };
}

describe('access changes close open sockets', () => {
  it.each([
    ['revoking their tokens', (userId: string) => call('POST', `/v1/users/${userId}/tokens/revoke`, { token: app.serverKey })],
    ['deleting the user', (userId: string) => call('DELETE', `/v1/users/${userId}`, { token: app.serverKey })],
    ['banning the user', (userId: string) => call('PUT', `/v1/users/${userId}/ban`, { token: app.serverKey, body: { reason: 'spam' } })],
  ])('%s', async (what, change) => {
    const target = await liveUser(`target-${what.length}`);
    const bystander = await liveUser(`bystander-${what.length}`);
    expect((await change(target.userId)).status).toBeLessThan(300);
    expect((await target.socket.closed).code).toBe(4001);
    expect(bystander.socket.closeCode).toBeNull();
  });
});

describe('sockets per user', () => {
  it('refuses a socket beyond the configured cap and lets one in when another closes', async () => {
    const user = await createTestUser(call, app, 'many-tabs');
    const first = await sockets.track(connectLive(platform.url, user.token));
    await sockets.track(connectLive(platform.url, user.token));
    const third = await sockets.track(connect(platform.url, { token: user.token }));
    expect((await third.closed).code).toBe(4029);
    first.ws.close();
    await first.closed;
    const again = await sockets.track(connectLive(platform.url, user.token));
    expect(again.closeCode).toBeNull();
  });
});
