import { beforeAll, describe, expect, it } from 'vitest';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import type { ApiCall } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { trackSockets } from '../support/track-sockets.ts';
import { connectLive, startExtraNode, type RealtimeClient } from '../support/realtime-client.ts';

const PAGE = 7;
const MAX_REPLAY = 50;

let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;
// Small replay pages and cap, so paging and the resync cut-off are exercised with few messages.
const local = useLocalPlatform({}, { realtime: { replayPageSize: PAGE, maxReplay: MAX_REPLAY } });
const open = trackSockets();
const t = (user: string) => world.tokens[user]!;

async function live(url: string, token: string, resume: Record<string, number> = {}): Promise<RealtimeClient> {
  const client = await connectLive(url, token, resume);
  return open.track(client);
}

async function sendMany(sender: string, id: string, prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) expect((await send(call, t(sender), id, { text: `${prefix}${i}` })).status).toBe(201);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

beforeAll(async () => {
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben', 'cat']);
});

describe('resume', () => {
  it('after a forced disconnect, gets what it missed in order, then live events, with no gap or duplicate at the seam', async () => {
    const id = await createGroup(call, t('ann'), ['ben', 'cat']);
    const first = await live(platform.url, t('ben'));
    await sendMany('ann', id, 'before-', 3);
    const seen = await first.waitForEvents(id, 3);
    const lastSeq = seen.at(-1)!.seq as number;
    first.ws.terminate();
    await first.closed;

    await sendMany('ann', id, 'missed-', 3 * PAGE + 2);
    // Messages keep coming while the client reconnects and replays.
    const during = sendMany('cat', id, 'during-', 10);
    const second = await live(platform.url, t('ben'), { [id]: lastSeq });
    await during;
    await sendMany('ann', id, 'after-', 3);

    const total = 3 * PAGE + 2 + 10 + 3;
    const events = await second.waitForEvents(id, total);
    expect(events.map((e) => e.seq)).toEqual(range(lastSeq + 1, lastSeq + total));
    const texts = events.map((e) => e.payload.message.text as string);
    expect(texts.filter((text) => text.startsWith('missed-'))).toEqual(range(0, 3 * PAGE + 1).map((i) => `missed-${i}`));
    expect(texts.filter((text) => text.startsWith('during-'))).toEqual(range(0, 9).map((i) => `during-${i}`));
    expect(texts.slice(-3)).toEqual(['after-0', 'after-1', 'after-2']);
    expect((await second.next((f) => f.type === 'subscribed')).conversations[id]).toBe(lastSeq);
  });

  it('when more was missed than the replay cap, sends resync and the client pages the rest by REST', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    const first = await live(platform.url, t('ben'));
    await sendMany('ann', id, 'seen-', 1);
    const lastSeq = (await first.waitForEvents(id, 1))[0]!.seq as number;
    first.ws.terminate();
    await sendMany('ann', id, 'gone-', MAX_REPLAY + 5);

    const second = await live(platform.url, t('ben'), { [id]: lastSeq });
    const resync = await second.next((f) => f.type === 'resync' && f.conversationId === id);
    expect(resync).toMatchObject({ reason: 'too_many_missed', fromSeq: lastSeq, toSeq: lastSeq + MAX_REPLAY + 5 });
    await sendMany('ann', id, 'live-', 1);
    const events = await second.waitForEvents(id, 1);
    expect(events.map((e) => e.seq)).toEqual([resync.toSeq + 1]);

    const paged: number[] = [];
    for (let after = resync.fromSeq as number; after < resync.toSeq; ) {
      const page = await call('GET', `/v1/conversations/${id}/events?after=${after}&limit=20`, { token: t('ben') });
      const seqs = page.body.events.map((e: { seq: number }) => e.seq);
      paged.push(...seqs.filter((seq: number) => seq <= resync.toSeq));
      after = seqs.at(-1);
    }
    expect(paged).toEqual(range(lastSeq + 1, resync.toSeq));
  });

  it('resume is accepted once per connection', async () => {
    const client = await live(platform.url, t('cat'));
    client.send({ v: 1, type: 'resume', conversations: {} });
    expect((await client.next((f) => f.type === 'error')).code).toBe('ALREADY_STARTED');
  });
});

describe('a node that dies mid-stream', () => {
  it('its clients resume on another node and lose nothing', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    const doomed = await startExtraNode(platform);
    const onDoomed = await live(doomed.url, t('ben'));
    const sending = sendMany('ann', id, 'stream-', 40);
    await onDoomed.waitForEvents(id, 5);
    await doomed.node.crash();
    await onDoomed.closed;
    const received = onDoomed.events(id);
    const lastSeq = received.at(-1)!.seq as number;

    const survivor = await live(platform.url, t('ben'), { [id]: lastSeq });
    await sending;
    const events = await survivor.waitForEvents(id, 40 - received.length);
    const all = [...received, ...events].map((e) => e.payload.message.text);
    expect(all).toEqual(range(0, 39).map((i) => `stream-${i}`));
    await doomed.close();
  });
});
