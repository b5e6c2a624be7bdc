import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNewMessage, messageOf, RealtimeClient, type ChatEvent, type WebSocketConstructor } from '../../sdk/src/index.ts';
import { startLocalPlatform, type LocalPlatform } from '../support/local-platform.ts';
import { createSdkWorld, eventually, type SdkWorld } from './sdk-world.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

describe('SDK realtime recovery: long outages and token refresh', () => {
  let platform: LocalPlatform;
  let proxy: TcpProxy;
  let world: SdkWorld;
  let conversationId: string;

  beforeAll(async () => {
    platform = await startLocalPlatform({}, { realtime: { maxReplay: 3 } });
    proxy = await startTcpProxy(platform.url);
    world = await createSdkWorld(platform.url, platform.adminToken, ['ann', 'ben']);
    conversationId = (await world.userApi('ann').call('conversations.create', { body: { type: 'group', memberIds: ['ben'], name: 'long outage' } })).id;
  });
  afterAll(async () => {
    await proxy?.close();
    await platform?.close();
  });

  it('pages in a gap larger than the server replays (resync), in order, once, before newer live events', async () => {
    const ben = new RealtimeClient({
      baseUrl: proxy.url,
      token: () => world.tokens.ben!,
      rest: world.userApi('ben'),
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      backoff: { initialMs: 50, maxMs: 400 },
    });
    const texts: string[] = [];
    const resyncs: string[] = [];
    ben.on('event', (event: ChatEvent) => isNewMessage(event) && texts.push(messageOf(event).text ?? ''));
    ben.on('resync', (frame) => resyncs.push(frame.reason));
    await ben.connect();
    const ann = world.userApi('ann');
    proxy.cut();
    const missed = Array.from({ length: 8 }, (_, i) => `missed ${i + 1}`);
    for (const text of missed) await ann.call('messages.send', { params: { conversationId }, body: { text } });
    proxy.restore();
    await eventually(() => expect(resyncs).toEqual(['too_many_missed']));
    await ann.call('messages.send', { params: { conversationId }, body: { text: 'live after' } });
    await eventually(() => expect(texts).toEqual([...missed, 'live after']));
    ben.close();
  });

  it('refreshes its token through the callback before expiry and keeps the connection', async () => {
    const handed: number[] = [];
    const ben = new RealtimeClient({
      baseUrl: platform.url,
      token: async () => {
        handed.push(Date.now());
        return (await world.server.call('users.tokens.create', { params: { userId: 'ben' }, body: { ttlSeconds: 120 } })).token;
      },
      refreshBeforeMs: 119_000,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
    });
    const states: string[] = [];
    ben.on('state', ({ state }) => states.push(state));
    await ben.connect();
    const refreshed = await new Promise<number>((resolve) => ben.on('refreshed', (frame) => resolve(frame.expiresAt)));
    expect(handed).toHaveLength(2);
    expect(refreshed).toBeGreaterThan(Date.now());
    expect(states).toEqual(['connecting', 'open']);
    ben.close();
  });
});
