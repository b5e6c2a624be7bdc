import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/apps/apps.ts';
import { createConversation } from '../../functions/conversations/conversation-lifecycle.ts';
import { accessConversation, MEMBERS, memberKey, type MemberDoc } from '../../functions/conversations/conversations.ts';
import { CONVERSATION_EVENTS_TOPIC, EVENTS, appendEvent, type EventDoc } from '../../functions/events/events.ts';
import { applyProjection, projectionApplied } from '../../functions/events/projections.ts';
import { sequenceAllocator } from '../../functions/events/sequence-allocator.ts';
import { startOutboxRelay } from '../../workers/outbox-relay.ts';
import { sendMessage } from '../../functions/messages/message-sending.ts';
import { MESSAGES } from '../../functions/messages/messages.ts';
import { upsertUser } from '../../functions/users/users.ts';
import type { BusMessage } from '../../infra/bus/port.ts';
import type { Services } from '../../runtime/context.ts';
import { waitFor } from '../support/wait-for.ts';
import { useLocalServices } from '../support/use-local-platform.ts';

const local = useLocalServices();
let services: Services;
let appId: string;
const received: Array<{ conversationId: string; seq: number; type: string }> = [];
let stopConsumer: () => Promise<void>;

beforeAll(async () => {
  services = local.services;
  appId = (await createApp(services, { name: 'outbox' })).app._id;
  for (const userId of ['a', 'b']) await upsertUser(services, appId, userId, {});
  const subscription = await services.ports.bus.subscribe({
    group: 'outbox-test',
    topics: [CONVERSATION_EVENTS_TOPIC],
    handler: async (message: BusMessage) => {
      const event = JSON.parse(message.value) as { conversationId: string; seq: number; type: string; appId: string };
      expect(message.key).toBe(event.conversationId);
      received.push(event);
    },
  });
  stopConsumer = () => subscription.stop();
});

afterAll(async () => {
  await stopConsumer();
});

async function newConversation(): Promise<string> {
  const { conversation } = await createConversation(services, appId, 'a', { type: 'group', memberIds: ['b'] });
  return conversation._id;
}

async function sendAs(conversationId: string, text: string) {
  const access = await accessConversation(services.ports.store, { kind: 'user', appId, userId: 'a' }, appId, 'a', conversationId);
  return sendMessage(services, access, { text, attachments: [], mentions: [], custom: {}, silent: false, type: 'regular' });
}

const seqsOf = (conversationId: string) => received.filter((event) => event.conversationId === conversationId).map((event) => event.seq);

describe('outbox relay', () => {
  it('publishes every event to the bus in sequence order per conversation, keyed by conversation', async () => {
    const relay = await startOutboxRelay(services, { pollMs: 20 });
    const [x, y] = [await newConversation(), await newConversation()];
    await Promise.all([...Array.from({ length: 20 }, (_, i) => sendAs(x, `x${i}`)), ...Array.from({ length: 20 }, (_, i) => sendAs(y, `y${i}`))]);
    await waitFor(() => seqsOf(x).length >= 21 && seqsOf(y).length >= 21, 20_000, 'all events on the bus');
    await relay.stop();
    for (const id of [x, y]) expect([...new Set(seqsOf(id))]).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
  });

  it('a relay restarted after a stop publishes what was left, at least once, in order', async () => {
    const id = await newConversation();
    for (let i = 0; i < 10; i++) await sendAs(id, `before ${i}`);
    const relay = await startOutboxRelay(services, { pollMs: 20 });
    await relay.stop();
    for (let i = 0; i < 10; i++) await sendAs(id, `while down ${i}`);
    const restarted = await startOutboxRelay(services, { pollMs: 20 });
    await waitFor(() => new Set(seqsOf(id)).size >= 21, 20_000, 'events after restart');
    await restarted.stop();
    const seqs = seqsOf(id);
    expect([...new Set(seqs)]).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    const firstSeen = seqs.filter((seq, index) => seqs.indexOf(seq) === index);
    expect(firstSeen).toEqual([...firstSeen].sort((a, b) => a - b));
  });

  it('marks a run in one call; after failed marks it marks in halves, republishing without a false gap', async () => {
    const id = await newConversation();
    await sendAs(id, 'before');
    // The relay's reads of pending events wait at a gate, so the 250 sends below reach it as one
    // batch; the first two marks of that batch fail.
    let gate: Promise<void> = Promise.resolve();
    let markCalls = 0;
    const markedRuns: number[] = [];
    const store = services.ports.store;
    const flakyStore = new Proxy(store, {
      get(target, property) {
        if (property !== 'collection') return Reflect.get(target, property, target);
        return (name: string) => {
          const collection = target.collection(name);
          if (name !== EVENTS) return collection;
          return new Proxy(collection, {
            get(inner, method) {
              const value = Reflect.get(inner, method, inner);
              if (method === 'find') return async (...args: Parameters<typeof inner.find>) => gate.then(() => inner.find(...args));
              if (method !== 'updateMany') return typeof value === 'function' ? value.bind(inner) : value;
              return (...args: Parameters<typeof inner.updateMany>) => {
                markCalls += 1;
                const range = args[0].seq as { $gte: number; $lte: number };
                if (markCalls === 2 || markCalls === 3) return Promise.reject(new Error('store unavailable for this mark'));
                markedRuns.push(range.$lte - range.$gte + 1);
                return inner.updateMany(...args);
              };
            },
          });
        };
      },
    });
    // A false gap would hold the conversation for a minute: the wait below would time out first.
    const relay = await startOutboxRelay({ ...services, ports: { ...services.ports, store: flakyStore } }, { pollMs: 20, gapTimeoutMs: 60_000 });
    const unmarked = () => store.collection<EventDoc>(EVENTS).countDocuments({ conversationId: id, published: false });
    try {
      await relay.drain(); // the relay now knows the conversation's last published sequence (2)
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      await Promise.all(Array.from({ length: 250 }, (_, i) => sendAs(id, `part ${i}`)));
      open();
      await waitFor(() => new Set(seqsOf(id)).size >= 252, 20_000, 'every event on the bus');
      // The failing pass may be one this drain runs: it is reported to the drain, and the next one marks the rest.
      for (let pass = 0; pass < 50 && (await unmarked()) > 0; pass++) await relay.drain().catch(() => undefined);
    } finally {
      await relay.stop();
    }
    // 1: the first drain's two events; 2, 3: the batch of 250 whole, failing; then halves of 125.
    expect(markCalls).toBeGreaterThanOrEqual(5);
    expect(markedRuns[0]).toBe(2);
    expect(markedRuns.slice(1, 3)).toEqual([125, 125]);
    expect(await unmarked()).toBe(0);
    expect([...new Set(seqsOf(id))].sort((a, b) => a - b)).toEqual(Array.from({ length: 252 }, (_, i) => i + 1));
  });

  it('applies the projection of an event whose writer died before applying it', async () => {
    const id = await newConversation();
    const past = { ...services, clock: { now: () => Date.now() - 60_000 } };
    const orphan = { _id: 'msg_orphan00000000000000000000', appId, conversationId: id, authorId: 'a', text: 'written, never projected', createdAt: Date.now() - 60_000 };
    await appendEvent(past, {
      appId,
      conversationId: id,
      type: 'message.new',
      actorId: 'a',
      payload: (seq) => ({
        message: { ...orphan, seq, version: seq, type: 'regular', attachments: [], mentions: [], custom: {}, parentId: null, quotedId: null, silent: false, shadowed: false, clientMessageId: null, editedAt: null, edits: [], deletedAt: null, reactionCounts: {}, replyCount: 0, latestReplierIds: [], pinnedAt: null, pinnedBy: null },
      }),
    });
    expect(await services.ports.store.collection(MESSAGES).findOne({ _id: orphan._id })).toBeNull();
    const event = (await services.ports.store.collection<EventDoc>(EVENTS).findOne({ conversationId: id, seq: 2 }))!;
    expect(await projectionApplied(services, event)).toBe(false);
    const relay = await startOutboxRelay(services, { pollMs: 20, projectionGraceMs: 1_000 });
    await waitFor(() => seqsOf(id).includes(2), 20_000, 'orphan event published');
    await relay.stop();
    expect(await services.ports.store.collection(MESSAGES).findOne({ _id: orphan._id })).toMatchObject({ text: 'written, never projected' });
    expect(await projectionApplied(services, event)).toBe(true);
  });

  it('applying conversation.created again restores missing rows and leaves the present ones as they are', async () => {
    const id = await newConversation();
    const members = services.ports.store.collection<MemberDoc>(MEMBERS);
    await members.updateOne({ _id: memberKey(id, 'a') }, { $set: { archived: true } });
    await members.deleteOne({ _id: memberKey(id, 'b') });
    const created = await services.ports.store.collection<EventDoc>(EVENTS).findOne({ conversationId: id, seq: 1 });
    expect(created?.type).toBe('conversation.created');
    await applyProjection(services, created!);
    expect(await members.findOne({ _id: memberKey(id, 'a') })).toMatchObject({ archived: true });
    expect(await members.findOne({ _id: memberKey(id, 'b') })).toMatchObject({ userId: 'b', role: 'member', archived: false });
  });

  it('holds later events behind a reserved sequence, then skips it once its writer is presumed dead', async () => {
    const id = await newConversation();
    await sequenceAllocator(services).next(appId, id);
    await sendAs(id, 'after the gap');
    const relay = await startOutboxRelay(services, { pollMs: 20, gapTimeoutMs: 500 });
    await waitFor(() => seqsOf(id).includes(3), 20_000, 'event after the gap');
    await relay.stop();
    expect([...new Set(seqsOf(id))]).toEqual([1, 3]);
  });

  it('marks published exactly the events it published: those held behind a gap stay pending', async () => {
    const [held, other] = [await newConversation(), await newConversation()];
    await sendAs(held, 'before the gap');
    await sequenceAllocator(services).next(appId, held);
    for (let i = 0; i < 3; i++) await sendAs(held, `after the gap ${i}`);
    for (let i = 0; i < 3; i++) await sendAs(other, `other ${i}`);
    const relay = await startOutboxRelay(services, { pollMs: 60_000, gapTimeoutMs: 60_000 });
    try {
      await relay.drain();
    } finally {
      await relay.stop();
    }
    const state = async (conversationId: string) =>
      (await services.ports.store.collection<EventDoc>(EVENTS).find({ conversationId }, { sort: { seq: 1 } })).map((event) => [event.seq, event.published]);
    expect(await state(held)).toEqual([[1, true], [2, true], [4, false], [5, false], [6, false]]);
    expect(await state(other)).toEqual([[1, true], [2, true], [3, true], [4, true]]);
  });

  it('a retry of a send whose writer died after the commit answers at once with its message, projecting it', async () => {
    const id = await newConversation();
    const input = { text: 'committed, then the writer died', attachments: [], mentions: [], custom: {}, silent: false, type: 'regular' as const, clientMessageId: 'cm-1' };
    const access = await accessConversation(services.ports.store, { kind: 'user', appId, userId: 'a' }, appId, 'a', id);
    const first = await sendMessage(services, access, input);
    // As if the process had died between the event (the commit point) and its projection.
    await services.ports.store.collection(MESSAGES).deleteOne({ _id: first.message._id });
    const started = Date.now();
    const retry = await sendMessage(services, access, input);
    expect(Date.now() - started).toBeLessThan(2_000); // no waiting for a writer that is gone (formerly 5 s, then 409)
    expect(retry).toMatchObject({ created: false, message: { _id: first.message._id, seq: first.message.seq, text: input.text } });
    expect(await services.ports.store.collection(MESSAGES).countDocuments({ conversationId: id, clientMessageId: 'cm-1' })).toBe(1);
  });

  it('concurrent retries of one clientMessageId create one message and all answer with it', async () => {
    const id = await newConversation();
    const access = await accessConversation(services.ports.store, { kind: 'user', appId, userId: 'a' }, appId, 'a', id);
    const input = { text: 'once', attachments: [], mentions: [], custom: {}, silent: false, type: 'regular' as const, clientMessageId: 'cm-race' };
    const results = await Promise.all(Array.from({ length: 8 }, () => sendMessage(services, access, input)));
    expect(new Set(results.map((result) => result.message._id)).size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(await services.ports.store.collection(MESSAGES).countDocuments({ conversationId: id, clientMessageId: 'cm-race' })).toBe(1);
    // Racing in one process, they shared one attempt: no sequence number was reserved and left unused.
    const seqs = (await services.ports.store.collection<{ _id: string; seq: number }>(EVENTS).find({ conversationId: id }, { sort: { seq: 1 } })).map((event) => event.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  });
});
