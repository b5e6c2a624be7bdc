import type { StorePort } from '../../infra/store/port.ts';
import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';

/**
 * Hands out per-conversation sequence numbers. Either way the store's unique (conversationId, seq)
 * index on events is the referee: a number is only ever used by the one insert the index lets
 * through, and a writer refused by it asks `nextAbove`, which lands past every written event.
 *
 * - Stores with atomic updates (the embedded store, MongoDB) keep the counter in the store
 *   (`conversation_sequences`, `$inc`): one write, no other engine involved.
 * - Stores without atomic updates of their own (`capabilities.atomicUpdates: false`, FerretDB v1)
 *   lose concurrent updates, or with the update guard refuse all but one and make the others try
 *   again (infra/store/port.ts): a conversation's writers would queue on its counter. The cache's
 *   atomic counter (Redis INCR) allocates instead, with no lock, so they run in parallel. A counter
 *   the cache lost (a restart) starts low; the first writer refused by the index, or the first
 *   reader of `current`, raises it to the last written sequence (`incr` with a floor), so numbers
 *   stay unique and dense (and `lastWritten`, a scan of the conversation's events on FerretDB, runs
 *   once per lost counter, not on every page read).
 *
 * A number handed to a writer that then dies is never written: the outbox relay skips that gap
 * after its timeout (workers' outbox relay), as before.
 */
export interface SequenceAllocator {
  next(appId: string, conversationId: string): Promise<number>;
  /** A number past the highest written event: after the unique index refused one. */
  nextAbove(appId: string, conversationId: string): Promise<number>;
  /** The last number handed out per conversation (0 for none); may be ahead of what is written. */
  current(conversationIds: string[]): Promise<Map<string, number>>;
}

export const SEQUENCES = 'conversation_sequences';
export const EVENTS = 'events';

interface SequenceDoc {
  _id: string;
  appId: string;
  seq: number;
  [key: string]: unknown;
}

async function lastWritten(store: StorePort, conversationId: string): Promise<number> {
  const last = await store.collection<{ _id: string; seq: number }>(EVENTS).findOne({ conversationId }, { sort: { seq: -1 }, projection: { seq: 1 } });
  return last?.seq ?? 0;
}

function storeAllocator(store: StorePort): SequenceAllocator {
  const counters = () => store.collection<SequenceDoc>(SEQUENCES);
  const next = async (appId: string, conversationId: string) => {
    const counter = await counters().findOneAndUpdate({ _id: conversationId }, { $inc: { seq: 1 }, $setOnInsert: { appId } }, { upsert: true, returnDocument: 'after' });
    if (!counter) throw new AppError('INTERNAL', `sequence for ${conversationId} could not be reserved`);
    return counter.seq;
  };
  return {
    next,
    async nextAbove(appId, conversationId) {
      await counters().updateOne({ _id: conversationId }, { $max: { seq: await lastWritten(store, conversationId) }, $setOnInsert: { appId } }, { upsert: true });
      return next(appId, conversationId);
    },
    async current(conversationIds) {
      if (conversationIds.length === 0) return new Map();
      const rows = await counters().find({ _id: { $in: conversationIds } });
      return new Map(conversationIds.map((id) => [id, rows.find((row) => row._id === id)?.seq ?? 0]));
    },
  };
}

function cacheAllocator(services: Services): SequenceAllocator {
  const { cache, store } = services.ports;
  const key = (conversationId: string) => `caas:seq:${conversationId}`;
  return {
    next: (_appId, conversationId) => cache.incr(key(conversationId)),
    async nextAbove(_appId, conversationId) {
      return cache.incr(key(conversationId), 1, { floor: await lastWritten(store, conversationId) });
    },
    async current(conversationIds) {
      const values = await Promise.all(
        conversationIds.map(async (id) => {
          const counted = await cache.get(key(id));
          // A lost counter is raised to the last written sequence on the way (never lowered, so a
          // writer that took a number meanwhile keeps it): the next read, and the next writer, find it.
          return [id, counted === null ? await cache.incr(key(id), 0, { floor: await lastWritten(store, id) }) : Number(counted)] as const;
        }),
      );
      return new Map(values);
    },
  };
}

const allocators = new WeakMap<Services['ports'], { atomic: SequenceAllocator; cache: SequenceAllocator }>();

/**
 * The allocator for these services' store (one pair per set of ports). Chosen on every call: the
 * store learns whether its engine updates atomically when it connects, which may be after the
 * first call.
 */
export function sequenceAllocator(services: Services): SequenceAllocator {
  let pair = allocators.get(services.ports);
  if (!pair) {
    pair = { atomic: storeAllocator(services.ports.store), cache: cacheAllocator(services) };
    allocators.set(services.ports, pair);
  }
  return services.ports.store.capabilities.atomicUpdates === false ? pair.cache : pair.atomic;
}
