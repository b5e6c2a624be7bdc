import type { IndexDeclaration } from '../../infra/store/port.ts';
import type { Services } from '../../runtime/context.ts';
import { isAppError } from '../../runtime/errors.ts';
import { EVENTS, SEQUENCES, sequenceAllocator } from './sequence-allocator.ts';
import { walkSeqIds } from './seq-windows.ts';

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
  /**
   * Unique across events: the change's idempotency key when the client gave one (a send's
   * clientMessageId), else the event's own id. The event insert is thereby both the commit point
   * and the claim: a retry finds the change it repeats, and no crash can leave a claim without it.
   * Absent on events written before dedupe keys existed.
   */
  dedupeKey?: string;
  [key: string]: unknown;
}

/**
 * The change repeats one already committed (same dedupe key): the caller answers with that one.
 * Only a retry racing its own first attempt gets here; the number it had reserved stays unused,
 * a gap the outbox relay skips after its timeout.
 */
export class DuplicateChange extends Error {
  constructor(readonly existing: EventDoc) {
    super(`change ${existing.dedupeKey} was already recorded as event ${existing._id}`);
    this.name = 'DuplicateChange';
  }
}

export { EVENTS, SEQUENCES };
export const CONVERSATION_EVENTS_TOPIC = 'conversation-events';

export const eventIndexes: IndexDeclaration[] = [
  {
    collection: EVENTS,
    specs: [
      { keys: { conversationId: 1, seq: 1 }, unique: true },
      { keys: { published: 1, at: 1 } },
      // Partial: events written before dedupe keys existed have none.
      { keys: { dedupeKey: 1 }, unique: true, partialFilterExpression: { dedupeKey: { $exists: true } } },
    ],
  },
];

export function eventId(conversationId: string, seq: number): string {
  return `${conversationId}:${String(seq).padStart(12, '0')}`;
}


/** The last sequence number handed out in a conversation (0 for none). */
export async function currentSequence(services: Services, conversationId: string): Promise<number> {
  return (await sequenceAllocator(services).current([conversationId])).get(conversationId) ?? 0;
}

/** The last sequence reserved in each of the given conversations (0 for one never written to). */
export function currentSequences(services: Services, conversationIds: string[]): Promise<Map<string, number>> {
  return sequenceAllocator(services).current(conversationIds);
}

export interface NewEvent {
  appId: string;
  conversationId: string;
  type: EventType;
  actorId: string | null;
  /** The payload, or a function of the reserved sequence when the payload must name it. */
  payload: Record<string, unknown> | ((seq: number) => Record<string, unknown>);
  /** An idempotency key for the change (unique across events); see EventDoc.dedupeKey. */
  dedupeKey?: string;
}

/** The event recorded under a dedupe key, if any. */
export function findByDedupeKey(services: Services, dedupeKey: string): Promise<EventDoc | null> {
  return services.ports.store.collection<EventDoc>(EVENTS).findOne({ dedupeKey });
}

const MAX_APPEND_ATTEMPTS = 50;

/**
 * Reserves a sequence and writes the event: the commit point of every conversation change.
 * Callers validate everything before, so a refused change leaves no event and no gap.
 * The unique (conversationId, seq) index is the referee (sequence-allocator.ts): a writer it
 * refuses takes a number past the highest written event and tries again.
 */
export async function appendEvent(services: Services, event: NewEvent): Promise<EventDoc> {
  const allocator = sequenceAllocator(services);
  const events = services.ports.store.collection<EventDoc>(EVENTS);
  let seq = await allocator.next(event.appId, event.conversationId);
  for (let attempt = 1; ; attempt++) {
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
      dedupeKey: event.dedupeKey ?? eventId(event.conversationId, seq),
    };
    try {
      await events.insertOne(doc);
      return doc;
    } catch (error) {
      if (!isAppError(error) || error.code !== 'CONFLICT' || attempt >= MAX_APPEND_ATTEMPTS) throw error;
      const existing = event.dedupeKey ? await findByDedupeKey(services, event.dedupeKey) : null;
      if (existing) throw new DuplicateChange(existing);
      seq = await allocator.nextAbove(event.appId, event.conversationId);
    }
  }
}

/**
 * Events of a conversation after a sequence, in order: history paging and realtime resume. On a
 * store without range scans (seq-windows.ts) the events are read by id, window by window, up to the
 * last sequence reserved: ids name their sequence, and sequences are dense but for rare gaps.
 */
export async function eventsAfter(services: Services, conversationId: string, afterSeq: number, limit: number): Promise<EventDoc[]> {
  const events = services.ports.store.collection<EventDoc>(EVENTS);
  if (services.ports.store.capabilities.rangeScans !== false) {
    return events.find({ conversationId, seq: { $gt: afterSeq } }, { sort: { seq: 1 }, limit });
  }
  const end = await currentSequence(services, conversationId);
  return walkSeqIds(events, (seq) => eventId(conversationId, seq), { direction: 'up', start: afterSeq + 1, end, limit, firstWidth: limit });
}
