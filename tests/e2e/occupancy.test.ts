import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.ts';
import { createChatWorld, createGroup, type ChatWorld } from '../support/chat-fixtures.ts';
import { eventually } from '../support/eventually.ts';
import type { ApiCall } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { connectLive, type Frame, type RealtimeClient } from '../support/realtime-client.ts';
import { trackSockets } from '../support/track-sockets.ts';

let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;
let outsider: ChatWorld;
const t = (user: string) => world.tokens[user]!;

// A short delay keeps the test quick; big channels stay throttled for the whole test.
const local = useLocalPlatform({}, { realtime: { occupancyDelayMs: 50, occupancyBigIntervalMs: 600_000 } });
beforeAll(async () => {
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal']);
  outsider = await createChatWorld(call, platform.adminToken, ['ann']);
});
const sockets = trackSockets();

async function live(user: string): Promise<RealtimeClient> {
  return sockets.track(connectLive(platform.url, t(user)));
}
const occupancy = (token: string, id: string) => call('GET', `/v1/conversations/${id}/occupancy`, { token });
const onlineIs = (token: string, id: string, n: number) => eventually(() => occupancy(token, id), (r) => r.body.online === n, `${n} online`);
const occupancyFrames = (client: RealtimeClient, id: string): Frame[] => client.frames.filter((f) => f.type === 'occupancy' && f.conversationId === id);

describe('GET /v1/conversations/:id/occupancy', () => {
  it('counts members with a live connection, online or away', async () => {
    const id = await createGroup(call, t('ann'), ['ben', 'cat']);
    expect((await occupancy(t('ann'), id)).body).toEqual({ online: 0 });
    const ben = await live('ben');
    await onlineIs(t('ann'), id, 1);
    const cat = await live('cat');
    await onlineIs(t('ann'), id, 2);
    cat.send({ type: 'presence.set', status: 'away' });
    await waitFor(() => cat.frames.length > 0);
    expect((await occupancy(t('ann'), id)).body.online).toBe(2);
    await cat.close();
    await onlineIs(t('ann'), id, 1);
    await ben.close();
    await onlineIs(world.app.serverKey, id, 0);
  });

  it('answers members, anyone in the app for a channel, and nobody else', async () => {
    const group = await createGroup(call, t('ann'), ['ben']);
    expect((await occupancy(t('dan'), group)).status).toBe(404);
    expect((await occupancy(outsider.tokens.ann!, group)).status).toBe(404);
    expect((await occupancy(outsider.app.serverKey, group)).status).toBe(404);
    expect((await occupancy(t('ann'), 'conv_nope')).status).toBe(422);
    const channel = await call('POST', '/v1/conversations', { token: t('ann'), body: { type: 'channel', name: 'lobby' } });
    expect((await occupancy(t('dan'), channel.body.id)).body).toEqual({ online: 0 });
  });
});

describe('occupancy frames', () => {
  it('members subscribed to a conversation are told how many are online when it changes', async () => {
    const id = await createGroup(call, t('dan'), ['eve']);
    const dan = await live('dan');
    await dan.next((f) => f.type === 'occupancy' && f.conversationId === id && f.online === 1, 'own arrival');
    const eve = await live('eve');
    await dan.next((f) => f.type === 'occupancy' && f.conversationId === id && f.online === 2, 'eve arrives');
    await eve.close();
    await waitFor(() => occupancyFrames(dan, id).at(-1)?.online === 1, undefined, 'eve leaves');
  });

  it('in a big channel, changes in the same interval make one frame', async () => {
    const crowd = Array.from({ length: 205 }, (_, i) => `crowd-${i}`);
    for (let i = 0; i < crowd.length; i += 25) {
      await Promise.all(crowd.slice(i, i + 25).map((userId) => call('PUT', `/v1/users/${userId}`, { token: world.app.serverKey, body: { name: userId } })));
    }
    const big = await call('POST', '/v1/conversations', { token: world.app.serverKey, body: { type: 'channel', name: 'big', memberIds: [...crowd, 'fay', 'gus', 'hal'] } });
    expect(big.status).toBe(201);
    expect(big.body.memberCount).toBeGreaterThan(200);
    const small = await createGroup(call, t('fay'), ['gus', 'hal']);

    const fay = await live('fay');
    await fay.next((f) => f.type === 'occupancy' && f.conversationId === big.body.id, 'first big-channel frame');
    // gus and hal arrive in both conversations: the small group's frame follows each change, the
    // big channel's stays throttled. Once the small group shows both, the big one's frames (had
    // they not been throttled) would have come with the same delay.
    await live('gus');
    await live('hal');
    await fay.next((f) => f.type === 'occupancy' && f.conversationId === small && f.online === 3, 'small group shows all three');
    expect(occupancyFrames(fay, big.body.id)).toHaveLength(1);
    expect(occupancyFrames(fay, big.body.id)[0]).toMatchObject({ v: 1, type: 'occupancy', online: 1 });
  }, 120_000); // 205 users and a 208-member channel take a while on a MongoDB-wire engine
});
