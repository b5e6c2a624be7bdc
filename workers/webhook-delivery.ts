import { openEvent } from '../functions/events/open-event.ts';
import { Counter } from 'prom-client';
import { decodeEvent, type EventView } from '../functions/events/event-codec.ts';
import { CONVERSATION_EVENTS_TOPIC } from '../functions/events/events.ts';
import { DELIVERIES, enqueueEvents, refreshQueueDue, WEBHOOK_WAKE_CHANNEL, type DeliveryDoc } from '../functions/webhooks/deliveries.ts';
import { attemptDelivery, EndpointBreakers } from '../functions/webhooks/delivery-attempt.ts';
import { WEBHOOKS, wantsEvent, type WebhookDoc } from '../functions/webhooks/webhooks.ts';
import { cacheLease } from '../infra/cache/lease.ts';
import type { Services } from '../runtime/context.ts';
import { isAppError } from '../runtime/errors.ts';
import { processRegistry } from '../runtime/http/metrics.ts';
import { newId } from '../runtime/ids.ts';
import type { WorkerHandle } from './index.ts';
import { startPollLoop } from './poll-loop.ts';

/**
 * Webhooks in two steps. The dispatcher (consumer group `webhook-dispatcher` on
 * `conversation-events`) queues each event for every endpoint of its app that wants it: at least
 * once in, once per endpoint out (deliveries.ts dedupes). The sender polls the endpoints whose
 * queue head is due (and wakes on a nudge): per endpoint, under a lease in the cache so two
 * workers never send one endpoint's deliveries at once, it attempts the head delivery and moves
 * on only when it is finished.
 */
const outcomes = new Counter({
  name: 'caas_webhook_attempts_total',
  help: 'Webhook delivery attempts: finished (delivered or dead) or to be retried',
  labelNames: ['outcome'] as const,
  registers: [processRegistry],
});

/**
 * Rows of an endpoint's queue read at once, with the endpoint: each is still sent only after the
 * one before it was delivered. A change of the endpoint (disabled, new URL) applies from the next
 * read; a row erased meanwhile (crypto-shredding) may go out if it was read before the erasure, as
 * a single row read just before it would.
 */
const SEND_AHEAD = 8;

export async function startWebhookDelivery(services: Services): Promise<WorkerHandle> {
  const { bus, cache, store } = services.ports;
  const deliveries = store.collection<DeliveryDoc>(DELIVERIES);
  const webhooks = store.collection<WebhookDoc>(WEBHOOKS);
  const breakers = new EndpointBreakers(services);
  const holder = newId('sender');
  const leaseMs = services.config.CAAS_WEBHOOK_TIMEOUT_MS * 2 + 5_000;
  const active = new Map<string, Promise<void>>();
  let stopped = false;

  async function sendQueue(webhookId: string): Promise<void> {
    const lease = cacheLease(cache, `caas:webhooks:lease:${webhookId}`, leaseMs, holder);
    if (!(await lease.hold())) return;
    let heldAt = services.clock.now();
    try {
      queue: for (;;) {
        // The queue's next few rows and the endpoint, read once for all of them.
        const heads = await deliveries.find({ webhookId, status: 'pending' }, { sort: { seq: 1 }, limit: SEND_AHEAD });
        if (heads.length === 0) break;
        const webhook = await webhooks.findOne({ _id: webhookId });
        if (!webhook || !webhook.enabled) return;
        for (const head of heads) {
          if (stopped || head.nextAttemptAt > services.clock.now()) break queue;
          // Renewed well before it could lapse (an attempt lasts at most the timeout); lost means another sender has the queue.
          if (services.clock.now() - heldAt > leaseMs / 4) {
            if (!(await lease.hold())) return;
            heldAt = services.clock.now();
          }
          const finished = await attemptDelivery(services, breakers, webhook, head);
          outcomes.inc({ outcome: finished ? 'finished' : 'retry' });
          if (!finished) break queue;
        }
      }
      await refreshQueueDue(services, webhookId);
    } finally {
      await lease.release().catch(() => undefined);
    }
  }

  /**
   * On a store that can lose concurrent updates of one document (FerretDB v1: a dispatcher's
   * `$min` racing the sender's refresh), an endpoint's `queueDueAt` may miss a delivery; a sweep
   * every ten polls marks endpoints with due deliveries due again.
   */
  let lastRepair = 0;
  async function repairQueueDue(): Promise<void> {
    const now = services.clock.now();
    if (now - lastRepair < services.config.CAAS_WEBHOOK_POLL_MS * 10) return;
    lastRepair = now;
    const due = await deliveries.find({ status: 'pending', nextAttemptAt: { $lte: now } }, { sort: { nextAttemptAt: 1 }, limit: 1_000, projection: { webhookId: 1 } });
    for (const webhookId of new Set(due.map((delivery) => delivery.webhookId))) {
      if (!active.has(webhookId)) await webhooks.updateOne({ _id: webhookId, queueDueAt: { $gt: now } }, { $set: { queueDueAt: now } });
    }
  }

  /** Starts a sender for each endpoint that is due and not already being sent; endpoints run side by side. */
  async function pass(): Promise<number> {
    await repairQueueDue();
    const due = await webhooks.find({ queueDueAt: { $lte: services.clock.now() }, enabled: true }, { sort: { queueDueAt: 1 }, limit: 500, projection: { _id: 1 } });
    let started = 0;
    for (const { _id: webhookId } of due) {
      if (active.has(webhookId) || stopped) continue;
      const run = sendQueue(webhookId)
        .catch((error: unknown) => services.log.error({ err: error, webhookId }, 'webhook sender failed; retrying on the next poll'))
        .finally(() => active.delete(webhookId));
      active.set(webhookId, run);
      started++;
    }
    return started;
  }

  const loop = startPollLoop({
    intervalMs: services.config.CAAS_WEBHOOK_POLL_MS,
    pass,
    onError: (error) => services.log.error({ err: error }, 'webhook sender poll failed; retrying on the next poll'),
  });
  const unsubscribe = await cache.subscribe(WEBHOOK_WAKE_CHANNEL, () => void loop.run().catch(() => 0));

  await bus.ensureTopics([{ name: CONVERSATION_EVENTS_TOPIC }]);
  const dispatcher = await bus.subscribe({
    group: 'webhook-dispatcher',
    topics: [CONVERSATION_EVENTS_TOPIC],
    // A bus batch at a time: each app's endpoints are read once, only events some endpoint wants
    // are opened (the bus carries message fields encrypted; endpoints get them in clear), and each
    // endpoint's events are queued together, in the partition's order.
    handleBatch: async (messages) => {
      const targetsOf = new Map<string, WebhookDoc[]>();
      const queued = new Map<WebhookDoc, EventView[]>();
      for (const message of messages) {
        let sealed;
        try {
          sealed = decodeEvent(message.value);
        } catch (error) {
          if (!isAppError(error)) throw error;
          services.log.warn({ err: error, offset: message.offset }, 'webhook dispatcher: malformed event skipped');
          continue;
        }
        if (!targetsOf.has(sealed.appId)) targetsOf.set(sealed.appId, await webhooks.find({ appId: sealed.appId, enabled: true }));
        const targets = targetsOf.get(sealed.appId)!.filter((webhook) => wantsEvent(webhook, sealed.type));
        if (targets.length === 0) continue;
        let opened;
        try {
          opened = await openEvent(services.ports.store, sealed);
        } catch (error) {
          if (!isAppError(error)) throw error;
          services.log.warn({ err: error, offset: message.offset }, 'webhook dispatcher: unreadable event skipped');
          continue;
        }
        const { appId: _appId, ...event } = opened;
        for (const webhook of targets) {
          const events = queued.get(webhook);
          if (events) events.push(event);
          else queued.set(webhook, [event]);
        }
      }
      if (queued.size === 0) return;
      // Endpoints are independent queues: enqueued side by side.
      await Promise.all([...queued].map(([webhook, events]) => enqueueEvents(services, webhook, events)));
      void loop.run().catch(() => 0);
    },
  });

  return {
    async stop() {
      stopped = true;
      await unsubscribe();
      await dispatcher.stop();
      await loop.stop();
      await Promise.allSettled([...active.values()]);
    },
  };
}
