import { Counter, Gauge } from 'prom-client';
import { z, ZodError } from 'zod';
import { isAppError } from '../runtime/errors.ts';
import { CONVERSATION_EVENTS_TOPIC } from '../functions/events/events.ts';
import { decodeEvent, type ConversationEvent } from '../functions/events/event-codec.ts';
import { openEvent } from '../functions/events/open-event.ts';
import { forgetAuthor, indexConversationEvent, indexConversationEvents, type IndexOutcome } from '../functions/search/indexing.ts';
import { ReindexRequest, SEARCH_REINDEX_TOPIC } from '../functions/search/reindex-queue.ts';
import { runReindex } from '../functions/search/reindex.ts';
import { USER_EVENTS_TOPIC } from '../functions/users/users.ts';
import type { BusMessage } from '../infra/bus/port.ts';
import type { Services } from '../runtime/context.ts';
import { processRegistry } from '../runtime/http/metrics.ts';
import type { WorkerHandle } from './index.ts';

/**
 * The search indexer: keeps each app's search index in step with `conversation-events`
 * (consumer group `search-indexer`; see functions/search/indexing.ts), erases deleted users'
 * messages on `user-events` (group `search-erasure`), and runs the index rebuilds queued on
 * `search-reindex` (group `search-reindexer`; functions/search/reindex.ts).
 *
 * A handler that throws (engine down) leaves the event uncommitted: the bus redelivers it and
 * holds back its conversation's later events, so nothing is skipped and order is kept. An event
 * that can never be indexed (malformed) is counted as `invalid` and logged, not retried forever.
 */
const lag = new Gauge({
  name: 'caas_search_indexer_lag_seconds',
  help: 'For the last event the search indexer consumed: seconds from the event being recorded to the indexer being done with it',
  registers: [processRegistry],
});
const handled = new Counter({
  name: 'caas_search_indexer_events_total',
  help: 'Conversation events handled by the search indexer, by outcome',
  labelNames: ['outcome'] as const,
  registers: [processRegistry],
});

type HandlerOutcome = IndexOutcome | 'invalid';

const UserDeleted = z.object({ type: z.literal('user.deleted'), appId: z.string().min(1), userId: z.string().min(1) });

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined; // refused by the schema check that follows
  }
}

function isMalformed(error: unknown): boolean {
  // A malformed event or payload is refused by the codec (AppError INTERNAL) or the payload schemas (ZodError).
  return error instanceof ZodError || (isAppError(error) && error.message.startsWith('conversation event'));
}

async function handleEvent(services: Services, message: BusMessage): Promise<{ outcome: HandlerOutcome; at?: number }> {
  try {
    const event = await openEvent(services.ports.store, decodeEvent(message.value));
    return { outcome: await indexConversationEvent(services, event), at: event.at };
  } catch (error) {
    if (!isMalformed(error)) throw error;
    services.log.warn({ err: error, topic: message.topic, partition: message.partition, offset: message.offset }, 'search indexer: malformed event skipped');
    return { outcome: 'invalid' };
  }
}

/**
 * A bus batch at a time (runs of new messages in one write, indexing.ts); a batch holding a
 * malformed event is indexed an event at a time, so only that event is skipped.
 */
async function handleBatch(services: Services, messages: BusMessage[]): Promise<void> {
  let events: ConversationEvent[];
  let outcomes: IndexOutcome[];
  try {
    events = await Promise.all(messages.map((message) => openEvent(services.ports.store, decodeEvent(message.value))));
    outcomes = await indexConversationEvents(services, events);
  } catch (error) {
    if (!isMalformed(error)) throw error;
    for (const message of messages) record(services, await handleEvent(services, message));
    return;
  }
  outcomes.forEach((outcome, i) => record(services, { outcome, at: events[i]!.at }));
}

function record(services: Services, { outcome, at }: { outcome: HandlerOutcome; at?: number }): void {
  handled.inc({ outcome });
  if (at !== undefined) lag.set(Math.max(0, services.clock.now() - at) / 1000);
}

export async function startSearchIndexer(services: Services): Promise<WorkerHandle> {
  const { bus } = services.ports;
  await bus.ensureTopics([{ name: CONVERSATION_EVENTS_TOPIC }, { name: USER_EVENTS_TOPIC }, { name: SEARCH_REINDEX_TOPIC }]);

  const events = await bus.subscribe({
    group: 'search-indexer',
    topics: [CONVERSATION_EVENTS_TOPIC],
    handleBatch: (messages) => handleBatch(services, messages),
  });

  const erasures = await bus.subscribe({
    group: 'search-erasure',
    topics: [USER_EVENTS_TOPIC],
    handler: async (message) => {
      const parsed = UserDeleted.safeParse(parseJson(message.value));
      if (!parsed.success) return; // another kind of user event: nothing to erase
      const removed = await forgetAuthor(services, parsed.data.appId, parsed.data.userId);
      services.log.info({ appId: parsed.data.appId, userId: parsed.data.userId, removed }, 'search: deleted user erased from the index');
    },
  });

  // Rebuilds run detached from the bus handler: one can take minutes, longer than a consumer may
  // hold a message. A rebuild interrupted by a crash is superseded by the next request once its
  // heartbeat is stale (reindex-jobs.ts); one interrupted by stop() is marked failed at once.
  const abort = new AbortController();
  const running = new Set<Promise<void>>();
  const rebuilds = await bus.subscribe({
    group: 'search-reindexer',
    topics: [SEARCH_REINDEX_TOPIC],
    handler: async (message) => {
      const parsed = ReindexRequest.safeParse(parseJson(message.value));
      if (!parsed.success) {
        services.log.warn({ offset: message.offset }, 'search reindexer: malformed request skipped');
        return;
      }
      const { appId, jobId } = parsed.data;
      const run = runReindex(services, appId, jobId, { signal: abort.signal })
        .then((job) => {
          if (job) services.log.info({ appId, jobId, conversations: job.total, messages: job.messages }, 'search index rebuilt');
        })
        .catch((error: unknown) => services.log.error({ err: error, appId, jobId }, 'search index rebuild failed; the job is marked failed'))
        .finally(() => running.delete(run));
      running.add(run);
    },
  });

  return {
    async stop() {
      await events.stop();
      await erasures.stop();
      await rebuilds.stop();
      abort.abort(new Error('interrupted: the worker stopped'));
      await Promise.allSettled([...running]);
    },
  };
}
