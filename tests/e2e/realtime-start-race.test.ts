import { beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { MEMBERS } from '../../functions/conversations/conversations.ts';
import { encodeEvent } from '../../functions/events/event-codec.ts';
import { eventsAfter } from '../../functions/events/events.ts';
import { SEQUENCES } from '../../functions/events/sequence-allocator.ts';
import type { StorePort } from '../../infra/store/port.ts';
import { Connection } from '../../realtime/connection.ts';
import { Delivery } from '../../realtime/delivery.ts';
import { realtimeOptions } from '../../realtime/options.ts';
import { SubscriptionIndex } from '../../realtime/subscription-index.ts';
import { TokenBucket } from '../../realtime/token-bucket.ts';
import type { Services } from '../../runtime/context.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * Issue 16 item 4, made deterministic: the `conversation.created` for the user reaches the node
 * while its socket is starting — during the memberships read, or between it and the positions
 * read — and the client named that conversation in `resume`. Its resume position must win: no
 * event sent twice, none skipped. The store is wrapped so the event is delivered at that point.
 */
const local = useLocalPlatform();
let world: ChatWorld;

beforeAll(async () => {
  world = await createChatWorld(local.call, local.platform.adminToken, ['ann', 'ben']);
});

type Hook = () => Promise<void>;

/** The platform's store, running `hook` once when the named collection is first read with find(). */
function storeInjecting(store: StorePort, collection: string, hook: Hook, hide?: (row: { conversationId?: string }) => boolean): StorePort {
  let fired = false;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'collection') return Reflect.get(target, property, receiver);
      return (name: string) => {
        const real = target.collection(name);
        if (name !== collection) return real;
        return new Proxy(real, {
          get(inner, key, innerReceiver) {
            if (key !== 'find') return Reflect.get(inner, key, innerReceiver);
            return async (...args: Parameters<typeof real.find>) => {
              const rows = await real.find(...args);
              if (fired) return rows;
              fired = true;
              await hook();
              return hide ? rows.filter((row) => !hide(row as { conversationId?: string })) : rows;
            };
          },
        });
      };
    },
  });
}

/** A started socket for `userId` on a Delivery over `store`, recording the frames it is sent. */
function socketOn(services: Services, userId: string) {
  const frames: Array<Record<string, any>> = [];
  const ws = { readyState: 1, bufferedAmount: 0, send: (frame: Buffer | string) => void frames.push(JSON.parse(frame.toString())), close: () => undefined, terminate: () => undefined };
  const hooks = { log: services.log, maxBufferedBytes: 1 << 30, sent: 0, countDisconnect: () => undefined };
  const connection = new Connection(ws as unknown as WebSocket, undefined, new TokenBucket(100, 100, Date.now()), hooks);
  connection.appId = world.app.appId;
  connection.userId = userId;
  connection.state = 'ready';
  return { connection, frames, seqs: (conversationId: string) => frames.filter((f) => f.type === 'event' && f.event.conversationId === conversationId).map((f) => f.event.seq as number) };
}

async function rawEvents(services: Services, conversationId: string): Promise<string[]> {
  return (await eventsAfter(services, conversationId, 0, 100)).map((doc) => encodeEvent(doc).value as string);
}

async function scenario(at: 'memberships' | 'positions', resume: (conversationId: string) => Record<string, number>) {
  const { services } = local.platform;
  const id = await createGroup(local.call, world.tokens.ann!, ['ben']);
  expect((await send(local.call, world.tokens.ann!, id, { text: 'one' })).status).toBe(201);
  const [created, message] = await rawEvents(services, id);
  const index = new SubscriptionIndex();
  let delivery: Delivery | undefined;
  const inject = async () => delivery!.onEvent(created!);
  // Between the reads: the memberships read ran before the membership was visible (a stale read).
  const store =
    at === 'memberships'
      ? storeInjecting(services.ports.store, MEMBERS, inject)
      : storeInjecting(storeInjecting(services.ports.store, MEMBERS, async () => undefined, (row) => row.conversationId === id), SEQUENCES, inject);
  const wrapped: Services = { ...services, ports: { ...services.ports, store } };
  delivery = new Delivery(wrapped, realtimeOptions(), index);
  const socket = socketOn(wrapped, 'ben');
  index.addConnection(socket.connection);
  index.addUser(socket.connection);
  await delivery.start(socket.connection, resume(id));
  // A live message after the start: everything before it is settled once it is delivered.
  expect((await send(local.call, world.tokens.ann!, id, { text: 'two' })).status).toBe(201);
  const [, , live] = await rawEvents(services, id);
  await delivery.onEvent(message!);
  await delivery.onEvent(live!);
  await waitFor(() => socket.seqs(id).includes(3), 5_000, 'the live message');
  return { id, socket };
}

describe('a membership event while a socket starts', () => {
  for (const at of ['memberships', 'positions'] as const) {
    it(`during the ${at} read: the client's resume position wins, nothing sent twice or skipped`, async () => {
      const { id, socket } = await scenario(at, (conversationId) => ({ [conversationId]: 1 }));
      expect(socket.frames.find((f) => f.type === 'subscribed')!.conversations[id]).toBe(1);
      expect(socket.seqs(id)).toEqual([2, 3]);
      expect(socket.frames.filter((f) => f.type === 'resync')).toEqual([]);
    });
  }

  it('not named, joined after the memberships read: delivery starts with the membership event itself', async () => {
    const { id, socket } = await scenario('positions', () => ({}));
    expect(socket.frames.find((f) => f.type === 'subscribed')!.conversations[id]).toBe(0);
    expect(socket.seqs(id)).toEqual([1, 2, 3]);
  });

  it('not named, found by the memberships read too: starts at the current sequence like every other', async () => {
    const { id, socket } = await scenario('memberships', () => ({}));
    expect(socket.frames.find((f) => f.type === 'subscribed')!.conversations[id]).toBe(2);
    expect(socket.seqs(id)).toEqual([3]);
  });
});
