import { beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../support/wait-for.ts';
import { createChatWorld, createGroup, type ChatWorld } from '../support/chat-fixtures.ts';
import type { ApiCall } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { trackSockets } from '../support/track-sockets.ts';
import { connectLive, startExtraNode, type Frame, type RealtimeClient } from '../support/realtime-client.ts';

const TYPING_LIMIT = 3;

let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;
const local = useLocalPlatform({}, { realtime: { typingTtlMs: 300, typingLimit: TYPING_LIMIT, typingWindowMs: 60_000 } });
const open = trackSockets();
const t = (user: string) => world.tokens[user]!;

async function live(token: string, url = platform.url): Promise<RealtimeClient> {
  const client = await connectLive(url, token);
  return open.track(client);
}

function typingOf(client: RealtimeClient, conversationId: string): Frame[] {
  return client.frames.filter((f) => f.type === 'typing' && f.conversationId === conversationId);
}

function presenceOf(client: RealtimeClient, userId: string): Frame[] {
  return client.frames.filter((f) => f.type === 'presence' && f.userId === userId);
}

/** Sends presence.query and returns the answer. */
async function ask(client: RealtimeClient, userIds: string[]): Promise<Frame[]> {
  const before = client.frames.filter((f) => f.type === 'presence.state').length;
  client.send({ v: 1, type: 'presence.query', userIds });
  await waitFor(() => client.frames.filter((f) => f.type === 'presence.state').length > before, undefined, 'presence.state');
  return client.frames.filter((f) => f.type === 'presence.state').at(-1)!.users;
}

beforeAll(async () => {
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gil', 'hal', 'ivy', 'joe', 'kim', 'lou', 'max', 'mia']);
});

describe('typing', () => {
  it("reaches the conversation's other members, not the typist and not outsiders", async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    await createGroup(call, t('ann'), ['cat']);
    const [ann, ben, cat] = [await live(t('ann')), await live(t('ben')), await live(t('cat'))];
    ann.send({ v: 1, type: 'typing.start', conversationId: id });
    const started = await ben.next((f) => f.type === 'typing' && f.state === 'start');
    expect(started).toMatchObject({ conversationId: id, userId: 'ann' });
    expect(started.expiresAt).toBeGreaterThan(Date.now() - 60_000);
    ann.send({ v: 1, type: 'typing.stop', conversationId: id });
    await ben.next((f) => f.type === 'typing' && f.state === 'stop');
    expect(typingOf(ann, id)).toEqual([]);
    expect(cat.frames.some((f) => f.type === 'typing')).toBe(false);
  });

  it('ends by itself when not renewed, and when the typist disconnects', async () => {
    const id = await createGroup(call, t('dan'), ['eve']);
    const [dan, eve] = [await live(t('dan')), await live(t('eve'))];
    dan.send({ type: 'typing.start', conversationId: id });
    await waitFor(() => typingOf(eve, id).map((f) => f.state).join() === 'start,stop', undefined, 'typing expires');

    dan.send({ type: 'typing.start', conversationId: id });
    await waitFor(() => typingOf(eve, id).length === 3, undefined, 'second start');
    dan.ws.terminate();
    await waitFor(() => typingOf(eve, id).length === 4, undefined, 'stop on disconnect');
    expect(typingOf(eve, id).at(-1)!.state).toBe('stop');
  });

  it('is rate limited per user and conversation, and refused where the user is not a member', async () => {
    const id = await createGroup(call, t('fay'), ['gil']);
    const fay = await live(t('fay'));
    for (let i = 0; i <= TYPING_LIMIT; i++) fay.send({ type: 'typing.start', conversationId: id });
    expect(await fay.next((f) => f.type === 'error')).toMatchObject({ code: 'RATE_LIMITED' });
    const elsewhere = await createGroup(call, t('ann'), ['ben']);
    fay.send({ type: 'typing.start', conversationId: elsewhere });
    expect(await fay.next((f) => f.type === 'error' && f.code === 'NOT_FOUND')).toBeTruthy();
  });
});

describe('presence', () => {
  it('online, away and offline with last-seen reach users who share a conversation', async () => {
    await createGroup(call, t('ann'), ['hal']);
    const ann = await live(t('ann'));
    const hal = await live(t('hal'));
    await ann.next((f) => f.type === 'presence' && f.userId === 'hal' && f.status === 'online');
    hal.send({ type: 'presence.set', status: 'away' });
    await ann.next((f) => f.type === 'presence' && f.userId === 'hal' && f.status === 'away');
    await hal.close();
    const offline = await ann.next((f) => f.type === 'presence' && f.userId === 'hal' && f.status === 'offline');
    expect(offline.lastSeen).toBeGreaterThan(0);
    expect(presenceOf(ann, 'hal').map((f) => f.status)).toEqual(['online', 'away', 'offline']);
  });

  it('a user stays online while any of their sockets is; queries show only users I share a conversation with', async () => {
    await createGroup(call, t('ivy'), ['joe']);
    const ivy = await live(t('ivy'));
    const [joe1, joe2] = [await live(t('joe')), await live(t('joe'))];
    await joe1.close();
    expect(await ask(ivy, ['joe', 'gil'])).toEqual([expect.objectContaining({ userId: 'joe', status: 'online' })]);
    await joe2.close();
    await waitFor(() => presenceOf(ivy, 'joe').at(-1)?.status === 'offline', undefined, 'joe offline');
    expect((await ask(ivy, ['joe']))[0]).toMatchObject({ userId: 'joe', status: 'offline' });
  });

  it('is not pushed in channels (too many members to tell); there it is asked for', async () => {
    const created = await call('POST', '/v1/conversations', { token: t('max'), body: { type: 'channel', memberIds: ['mia'], name: 'town square' } });
    const id = created.body.id as string;
    const max = await live(t('max'));
    const mia = await live(t('mia'));
    mia.send({ type: 'typing.start', conversationId: id });
    // Frames of one socket are handled in order: a presence push would have been published before the typing.
    await max.next((f) => f.type === 'typing' && f.userId === 'mia');
    expect(presenceOf(max, 'mia')).toEqual([]);
    expect((await ask(max, ['mia']))[0]).toMatchObject({ userId: 'mia', status: 'online' });
  });

  it('is correct across nodes, and a node that dies leaves nobody online after the TTL', async () => {
    await createGroup(call, t('kim'), ['lou']);
    const doomed = await startExtraNode(platform, { presenceTtlMs: 400 });
    const kim = await live(t('kim'));
    await live(t('lou'), doomed.url);
    await kim.next((f) => f.type === 'presence' && f.userId === 'lou' && f.status === 'online');
    expect((await ask(kim, ['lou']))[0]!.status).toBe('online');

    await doomed.node.crash();
    let status = 'online';
    while (status !== 'offline') {
      await sleep(50);
      status = (await ask(kim, ['lou']))[0]!.status;
    }
    expect(status).toBe('offline');
    await doomed.close();
  });
});
