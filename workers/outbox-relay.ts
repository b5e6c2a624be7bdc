import { Counter, Gauge } from 'prom-client';
import { openDocument, unsealed } from '../functions/crypto/sealed-store.ts';
import { encodeEvent } from '../functions/events/event-codec.ts';
import { CONVERSATION_EVENTS_TOPIC, EVENTS, eventId, type EventDoc } from '../functions/events/events.ts';
import { walkSeqIds } from '../functions/events/seq-windows.ts';
import { applyProjection, projectionApplied } from '../functions/events/projections.ts';
import { OUTBOX_WAKE_CHANNEL } from '../functions/events/record-change.ts';
import type { Services } from '../runtime/context.ts';
import { cacheLease } from '../infra/cache/lease.ts';
import { processRegistry } from '../runtime/http/metrics.ts';
import { startPollLoop } from './poll-loop.ts';

/**
 * Publishes unpublished events to the bus, keyed by conversation so each conversation's events
 * stay in order, then marks them published. A relay that dies between publish and mark publishes
 * again on restart: at least once, in order per conversation (consumers dedupe by sequence).
 *
 * An event still unpublished after `projectionGraceMs` may belong to a writer that died before
 * applying its projection, so the relay applies it (projections are idempotent) before publishing.
 *
 * Events are published in sequence order per conversation; a sequence reserved by a writer that
 * has not yet inserted its event holds back that conversation's later events, until
 * `gapTimeoutMs` says the writer died and the gap is skipped.
 *
 * Several processes may run a relay (router replicas, workers); a lease in the cache lets one
 * publish at a time, so two relays never interleave a conversation's events.
 */
const OUTBOX_LEASE_KEY = 'caas:outbox:lease';
/**
 * Events marked published per store call, at most: a conversation's whole run while marks succeed,
 * halved after a failed mark down to MIN_MARK_PART, so a store too slow for one big update still
 * makes progress (one timed-out update of a whole batch republished it forever, as on FerretDB's
 * SQLite backend), and doubled again after each pass whose marks all succeeded. A mark's filter
 * matches every pending event of its conversation (FerretDB v1 filters the sequence range itself,
 * after reading them), so each extra part of a run reads them all again.
 */
const MIN_MARK_PART = 25;
/** Mark calls in flight at once (one per conversation's run). */
const PARALLEL_MARKS = 8;

interface Run {
  conversationId: string;
  first: number;
  last: number;
}

/** `events` (grouped by conversation, each group in sequence order) as runs of consecutive sequences, each at most `part` long. */
function consecutiveRuns(events: EventDoc[], part: number): Run[] {
  const runs: Run[] = [];
  let run: Run | undefined;
  for (const { conversationId, seq } of events) {
    if (run && run.conversationId === conversationId && seq === run.last + 1 && seq - run.first < part) {
      run.last = seq;
    } else {
      run = { conversationId, first: seq, last: seq };
      runs.push(run);
    }
  }
  return runs;
}

const lag = new Gauge({
  name: 'caas_outbox_relay_lag_seconds',
  help: 'Age of the oldest event not yet published to the bus, at the last pass of the relay holding the lease (0: none pending, or this process does not hold it)',
  registers: [processRegistry],
});
const relayed = new Counter({
  name: 'caas_outbox_relay_events_total',
  help: 'Conversation events the outbox relay published to the bus',
  registers: [processRegistry],
});

export interface OutboxRelayOptions {
  batchSize?: number;
  pollMs?: number;
  projectionGraceMs?: number;
  gapTimeoutMs?: number;
}

export interface OutboxRelay {
  /** Publishes everything pending now; resolves with how many events were published. */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

export async function startOutboxRelay(services: Services, options: OutboxRelayOptions = {}): Promise<OutboxRelay> {
  const batchSize = options.batchSize ?? 500;
  const pollMs = options.pollMs ?? 250;
  const graceMs = options.projectionGraceMs ?? 5_000;
  const gapTimeoutMs = options.gapTimeoutMs ?? 10_000;
  const { store, bus, cache } = services.ports;
  // Read as stored: the bus carries the message fields encrypted, consumers open them (open-event.ts).
  const events = unsealed(store).collection<EventDoc>(EVENTS);
  /** Last sequence published per conversation, learned from the store on first sight. */
  const published = new Map<string, number>();
  const gapSince = new Map<string, number>();
  let markPart = batchSize;
  const lease = cacheLease(cache, OUTBOX_LEASE_KEY, Math.max(pollMs * 20, 5_000));

  /** Whether this relay may publish now; what another relay published meanwhile is learned again. */
  async function holdLease(): Promise<boolean> {
    const held = await lease.hold();
    if (held === 'acquired') published.clear();
    return held !== null;
  }

  await bus.ensureTopics([{ name: CONVERSATION_EVENTS_TOPIC }]);

  async function lastPublished(conversationId: string, firstPending: number): Promise<number> {
    const known = published.get(conversationId);
    if (known !== undefined) return known;
    const last = await newestPublishedBelow(conversationId, firstPending);
    return last?.seq ?? firstPending - 1 - (await countMissingBelow(conversationId, firstPending));
  }

  /** On a store without range scans, read by id from just below (seq-windows.ts): usually the first id is it. */
  async function newestPublishedBelow(conversationId: string, firstPending: number): Promise<EventDoc | null> {
    if (store.capabilities.rangeScans !== false) return events.findOne({ conversationId, published: true, seq: { $lt: firstPending } }, { sort: { seq: -1 } });
    const [last] = await walkSeqIds(
      events,
      (seq) => eventId(conversationId, seq),
      { direction: 'down', start: firstPending - 1, end: 1, limit: 1, firstWidth: 1 },
      { published: true },
    );
    return last ?? null;
  }

  /** Sequences below the first pending one that have no event at all (reserved by writers that died). */
  async function countMissingBelow(conversationId: string, firstPending: number): Promise<number> {
    const present = await events.countDocuments({ conversationId, seq: { $lt: firstPending } });
    return firstPending - 1 - present;
  }

  async function drainOnce(): Promise<number> {
    if (!(await holdLease())) {
      lag.set(0);
      return 0;
    }
    const pending = await events.find({ published: false }, { sort: { at: 1 }, limit: batchSize });
    lag.set(pending.length === 0 ? 0 : Math.max(0, services.clock.now() - pending[0]!.at) / 1000);
    if (pending.length === 0) return 0;
    const byConversation = new Map<string, EventDoc[]>();
    for (const event of pending) {
      const list = byConversation.get(event.conversationId) ?? [];
      list.push(event);
      byConversation.set(event.conversationId, list);
    }
    const now = services.clock.now();
    const ready: EventDoc[] = [];
    const advanced = new Map<string, number>();
    for (const [conversationId, list] of byConversation) {
      list.sort((a, b) => a.seq - b.seq);
      let last = await lastPublished(conversationId, list[0]!.seq);
      for (const event of list) {
        if (event.seq !== last + 1) {
          const since = gapSince.get(conversationId) ?? now;
          gapSince.set(conversationId, since);
          if (now - since < gapTimeoutMs) break;
          services.log.warn({ conversationId, missing: last + 1, next: event.seq }, 'outbox: skipping a sequence whose writer died');
        }
        gapSince.delete(conversationId);
        // The projection writes plaintext through the sealed store, which encrypts it for its own rows.
        // A relay that lags finds every event past the grace: the ones whose projection ran are left alone.
        if (now - event.at > graceMs && !(await projectionApplied(services, event))) {
          await applyProjection(services, await openDocument(store, EVENTS, event, event._id, event.appId));
        }
        ready.push(event);
        last = event.seq;
      }
      advanced.set(conversationId, last);
    }
    if (ready.length === 0) return 0;
    // One batch for every conversation: keyed by conversation, so each one's events stay in order
    // on its partition, and the bus and the store each see one request per pass, not one per
    // conversation.
    await bus.publish(CONVERSATION_EVENTS_TOPIC, ready.map(encodeEvent));
    // Marked a run at a time (consecutive sequences of one conversation, at most `markPart`), each
    // its own engine call. A run's filter names exactly its events, since sequences are unique per
    // conversation; `published: false` keeps the rows a store reads to the few not yet marked.
    try {
      const runs = consecutiveRuns(ready, markPart);
      for (let start = 0; start < runs.length; start += PARALLEL_MARKS) {
        // Settled, not raced: no mark of this pass is still in flight when the next pass reads.
        const marks = await Promise.allSettled(runs.slice(start, start + PARALLEL_MARKS).map(async (run) => {
          await events.updateMany(
            { conversationId: run.conversationId, published: false, seq: { $gte: run.first, $lte: run.last } },
            { $set: { published: true } },
          );
          relayed.inc(run.last - run.first + 1);
        }));
        const failed = marks.find((mark) => mark.status === 'rejected');
        if (failed) throw failed.reason;
      }
    } catch (error) {
      // Some were marked: what was published last is learned from the store again, not guessed.
      published.clear();
      markPart = Math.max(MIN_MARK_PART, Math.floor(markPart / 2));
      throw error;
    }
    markPart = Math.min(batchSize, markPart * 2);
    for (const [conversationId, last] of advanced) published.set(conversationId, last);
    return ready.length;
  }

  const onError = (error: unknown) => services.log.error({ err: error }, 'outbox relay pass failed; retrying on the next poll');
  const loop = startPollLoop({ intervalMs: pollMs, pass: drainOnce, onError });
  const unsubscribe = await cache.subscribe(OUTBOX_WAKE_CHANNEL, () => void loop.run().catch(onError));

  return {
    drain: () => loop.run(),
    async stop() {
      await unsubscribe();
      await loop.stop();
      await lease.release().catch(() => undefined);
    },
  };
}
