import type { IndexDeclaration, StorePort } from '../../infra/store/port.ts';
import type { Services } from '../../runtime/context.ts';
import { AppError, isAppError } from '../../runtime/errors.ts';
import { withSequenceLock } from './sequence-lock.ts';

/**
 * Every change in a conversation is an event with the next per-conversation sequence number.
 * The event row is both the history clients resume from and the transactional outbox: it is
 * written before the change's projection (message, reaction, member rows), carries everything
 * needed to re-apply that projection, and is published to the bus by the outbox relay.
 */
export const EVENT_TYPES = [
  'conversation.created',
  'conversation.updated',
  'member.added',
  'member.updated',
  'member.removed',
  'message.new',
  'message.updated',
  'message.deleted',
  'message.pinned',
  'message.unpinned',
  'reaction.added',
  'reaction.removed',
  'read',
  'delivered',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface EventDoc {
  /** `${conversationId}:${seq}` — unique, so a sequence can only ever be used once. */
  _id: string;
  appId: string;
  conversationId: string;
  seq: number;
  type: EventType;
  /** The user (or null for the app's server key) that caused it. */
  actorId: string | null;
  at: number;
  payload: Record<string, unknown>;
  /** Outbox state: false until the relay has published it to the bus. */
  published: boolean;
  [key: string]: unknown;
}

export const EVENTS = 'events';
export const SEQUENCES = 'conversation_sequences';
export const CONVERSATION_EVENTS_TOPIC = 'conversation-events';

interface SequenceDoc {
  _id: string;
  appId: string;
  seq: number;
  [key: string]: unknown;
}

export const eventIndexes: IndexDeclaration[] = [
  {
    collection: EVENTS,
    specs: [
      { keys: { conversationId: 1, seq: 1 }, unique: true },
      { keys: { published: 1, at: 1 } },
    ],
  },
];

export function eventId(conversationId: string, seq: number): string {
  return `${conversationId}:${String(seq).padStart(12, '0')}`;
}

/** Atomically reserves the conversation's next sequence number. */
export async function nextSequence(store: StorePort, appId: string, conversationId: string): Promise<number> {
  const counter = await store
    .collection<SequenceDoc>(SEQUENCES)
    .findOneAndUpdate({ _id: conversationId }, { $inc: { seq: 1 }, $setOnInsert: { appId } }, { upsert: true, returnDocument: 'after' });
  if (!counter) throw new AppError('INTERNAL', `sequence for ${conversationId} could not be reserved`);
  return counter.seq;
}

export async function currentSequence(store: StorePort, conversationId: string): Promise<number> {
  const counter = await store.collection<SequenceDoc>(SEQUENCES).findOne({ _id: conversationId });
  return counter?.seq ?? 0;
}

/** The last sequence reserved in each of the given conversations; one never written to is absent. */
export async function currentSequences(store: StorePort, conversationIds: string[]): Promise<Map<string, number>> {
  if (conversationIds.length === 0) return new Map();
  const rows = await store.collection<SequenceDoc>(SEQUENCES).find({ _id: { $in: conversationIds } });
  return new Map(rows.map((row) => [row._id, row.seq]));
}

export interface NewEvent {
  appId: string;
  conversationId: string;
  type: EventType;
  actorId: string | null;
  /** The payload, or a function of the reserved sequence when the payload must name it. */
  payload: Record<string, unknown> | ((seq: number) => Record<string, unknown>);
}

const MAX_APPEND_ATTEMPTS = 50;

/**
 * Reserves a sequence and writes the event: the commit point of every conversation change.
 * Callers validate everything before, so a refused change leaves no event and no gap.
 *
 * The unique (conversationId, seq) index is the arbiter. On stores whose counters are atomic the
 * insert never conflicts. On a store that loses concurrent updates (FerretDB v1 reports
 * `atomicUpdates: false`) two writers may get one number: the loser catches the counter up to the
 * highest event written and tries again, so sequences stay unique and dense there too; and
 * writers of one conversation take turns (sequence-lock.ts) so that they rarely collide at all.
 */
export async function appendEvent(services: Services, event: NewEvent): Promise<EventDoc> {
  return withSequenceLock(services, event.conversationId, () => insertNextEvent(services, event));
}

async function insertNextEvent(services: Services, event: NewEvent): Promise<EventDoc> {
  const { store } = services.ports;
  const events = store.collection<EventDoc>(EVENTS);
  for (let attempt = 1; ; attempt++) {
    const seq = await nextSequence(store, event.appId, event.conversationId);
    const doc: EventDoc = {
      _id: eventId(event.conversationId, seq),
      appId: event.appId,
      conversationId: event.conversationId,
      type: event.type,
      actorId: event.actorId,
      payload: typeof event.payload === 'function' ? event.payload(seq) : event.payload,
      seq,
      at: services.clock.now(),
      published: false,
    };
    try {
      await events.insertOne(doc);
      return doc;
    } catch (error) {
      if (!isAppError(error) || error.code !== 'CONFLICT' || attempt >= MAX_APPEND_ATTEMPTS) throw error;
      const last = await events.findOne({ conversationId: event.conversationId }, { sort: { seq: -1 } });
      await store.collection<SequenceDoc>(SEQUENCES).updateOne({ _id: event.conversationId }, { $max: { seq: last?.seq ?? 0 } });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
    }
  }
}

/** Events of a conversation after a sequence, in order: history paging and realtime resume. */
export async function eventsAfter(store: StorePort, conversationId: string, afterSeq: number, limit: number): Promise<EventDoc[]> {
  return store.collection<EventDoc>(EVENTS).find({ conversationId, seq: { $gt: afterSeq } }, { sort: { seq: 1 }, limit });
}
