import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import type { ApiCall } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { trackSockets } from '../support/track-sockets.ts';
import { connect, connectLive, refusedUpgrade, startExtraNode, type RealtimeClient } from '../support/realtime-client.ts';

let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;
const local = useLocalPlatform({ CAAS_MAX_MESSAGE_LENGTH: '100000' }, { realtime: { maxBufferedBytes: 64 * 1024 } });
const open = trackSockets();
const t = (user: string) => world.tokens[user]!;

async function live(token: string, url = platform.url): Promise<RealtimeClient> {
  const client = await connectLive(url, token);
  return open.track(client);
}

async function disconnects(reason: string): Promise<number> {
  const text = (await call('GET', '/metrics')).body as string;
  const line = text.split('\n').find((l) => l.startsWith(`caas_realtime_disconnects_total{reason="${reason}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

beforeAll(async () => {
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben', 'cat', 'dan', 'eve']);
});

describe('slow consumers', () => {
  it('a client that stops reading is cut off with 4008 instead of growing the server’s memory', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    const ben = await live(t('ben'));
    ben.pauseReading();
    const before = await disconnects('slow_consumer');
    const big = 'x'.repeat(90_000);
    while ((await disconnects('slow_consumer')) === before) expect((await send(call, t('ann'), id, { text: big })).status).toBe(201);
    ben.resumeReading();
    expect(await ben.closed).toEqual({ code: 4008, reason: 'slow consumer' });
  });
});

describe('limits on client frames', () => {
  it('closes with 1009 on a frame over the size limit', async () => {
    const client = await live(t('cat'));
    client.send({ type: 'ping', id: 'x'.repeat(70 * 1024) });
    expect((await client.closed).code).toBe(1009);
  });

  it('answers bad frames with an error and keeps the connection; an unknown protocol version closes it', async () => {
    const client = await live(t('dan'));
    client.ws.send('{not json');
    client.send({ type: 'launch.rockets' });
    client.send({ type: 'ping', id: 7 });
    expect(await client.next((f) => f.type === 'pong')).toMatchObject({ id: 7 });
    expect(client.frames.filter((f) => f.type === 'error').map((f) => f.code)).toEqual(['BAD_FRAME', 'BAD_FRAME']);
    client.send({ v: 2, type: 'ping' });
    expect((await client.closed).code).toBe(4005);
  });

  it('rate limits frames per connection: errors first, then a 4029 close for a client that keeps going', async () => {
    const client = await live(t('eve'));
    for (let i = 0; i < 200; i++) client.send({ type: 'ping', id: i });
    expect((await client.closed).code).toBe(4029);
    expect(client.frames.some((f) => f.type === 'error' && f.code === 'RATE_LIMITED' && f.retryAfterMs > 0)).toBe(true);
    expect(client.frames.filter((f) => f.type === 'pong').length).toBeGreaterThan(0);
  });
});

describe('nodes', () => {
  it('fan out every event to sockets on every node, in order', async () => {
    const id = await createGroup(call, t('ann'), ['cat', 'dan']);
    const other = await startExtraNode(platform);
    const here = await live(t('cat'));
    const there = await live(t('dan'), other.url);
    for (let i = 0; i < 10; i++) await send(call, t('ann'), id, { text: `m${i}` });
    for (const client of [here, there]) {
      expect((await client.waitForEvents(id, 10)).map((e) => e.payload.message.text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    }
    await other.close();
  });

  it('detect dead peers by heartbeat and drop them', async () => {
    const node = await startExtraNode(platform, { heartbeatMs: 100 });
    const client = await live(t('ann'), node.url);
    client.pauseReading();
    await waitFor(() => node.node.connectionCount() === 0, undefined, 'dead peer dropped');
    client.resumeReading();
    expect((await client.closed).code).toBe(1006);
    await node.close();
  });

  it('shut down gracefully: clients are told to reconnect elsewhere (1001 going away) and new upgrades are refused', async () => {
    const node = await startExtraNode(platform);
    const [a, b] = [await live(t('ann'), node.url), await connect(node.url)];
    await open.track(b);
    const closing = node.node.close();
    expect((await a.closed).code).toBe(1001);
    expect((await b.closed).code).toBe(1001);
    await closing;
    expect((await refusedUpgrade(node.url, { token: t('ann') })).status).toBe(503);
    await node.close();
  });
});
