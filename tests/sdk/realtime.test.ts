import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { isNewMessage, messageOf, RealtimeClient, type ChatEvent, type WebSocketConstructor } from '../../sdk/src/index.ts';
import { startLocalPlatform, type LocalPlatform } from '../support/local-platform.ts';
import { createSdkWorld, eventually, type SdkWorld } from './sdk-world.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

describe('SDK realtime client against the local runtime', () => {
  let platform: LocalPlatform;
  let proxy: TcpProxy;
  let world: SdkWorld;
  let conversationId: string;

  beforeAll(async () => {
    platform = await startLocalPlatform();
    proxy = await startTcpProxy(platform.url);
    world = await createSdkWorld(platform.url, platform.adminToken, ['ann', 'ben']);
    conversationId = (await world.userApi('ann').call('conversations.create', { body: { type: 'direct', memberIds: ['ben'] } })).id;
  });
  afterAll(async () => {
    await proxy?.close();
    await platform?.close();
  });

  it('resumes from its kept positions after a forced disconnect: nothing lost, nothing twice, in order', async () => {
    const ben = world.realtime('ben', proxy.url);
    const received: ChatEvent[] = [];
    const states: string[] = [];
    ben.on('event', (event) => received.push(event));
    ben.on('state', ({ state }) => states.push(state));
    await ben.connect();
    const ann = world.userApi('ann');
    await ann.call('messages.send', { params: { conversationId }, body: { text: 'before' } });
    await eventually(() => expect(received.filter(isNewMessage).map((e) => messageOf(e).text)).toEqual(['before']));

    proxy.cut();
    await eventually(() => expect(states).toContain('reconnecting'));
    for (const text of ['during 1', 'during 2', 'during 3']) await ann.call('messages.send', { params: { conversationId }, body: { text } });
    proxy.restore();
    await ann.call('messages.send', { params: { conversationId }, body: { text: 'after' } });

    await eventually(() =>
      expect(received.filter(isNewMessage).map((e) => messageOf(e).text)).toEqual(['before', 'during 1', 'during 2', 'during 3', 'after']),
    );
    const seqs = received.filter((e) => e.conversationId === conversationId).map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(ben.positions.get(conversationId)).toBe(seqs.at(-1));
    expect(ben.state).toBe('open');
    ben.close();
  });

  it('delivers typing and presence, and answers presence queries', async () => {
    const ann = world.realtime('ann');
    const ben = world.realtime('ben');
    const typing: Array<{ userId: string; state: string }> = [];
    ben.on('typing', (frame) => typing.push({ userId: frame.userId, state: frame.state }));
    await ben.connect();
    await ann.connect();
    ann.typingStart(conversationId);
    ann.typingStop(conversationId);
    await eventually(() => expect(typing).toEqual([{ userId: 'ann', state: 'start' }, { userId: 'ann', state: 'stop' }]));
    const presence = await ben.queryPresence(['ann']);
    expect(presence).toEqual([expect.objectContaining({ userId: 'ann', status: 'online' })]);
    ann.close();
    ben.close();
  });

  it('asks the token callback again when a token is refused, and connects with the fresh one', async () => {
    const stale = (await world.server.call('users.tokens.create', { params: { userId: 'ben' }, body: { ttlSeconds: 600 } })).token;
    await world.server.call('users.tokens.revoke', { params: { userId: 'ben' } });
    const fresh = (await world.server.call('users.tokens.create', { params: { userId: 'ben' }, body: { ttlSeconds: 600 } })).token;
    const handed: string[] = [];
    const ben = new RealtimeClient({
      baseUrl: platform.url,
      token: () => (handed.push(handed.length === 0 ? stale : fresh), handed.at(-1)!),
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      backoff: { initialMs: 10, maxMs: 50 },
    });
    await ben.connect();
    expect(handed).toEqual([stale, fresh]);
    ben.close();
  });
});
