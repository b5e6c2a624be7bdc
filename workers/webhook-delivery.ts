import { Counter } from 'prom-client';
import { CONVERSATION_EVENTS_TOPIC, type EventView } from '../functions/events/events.ts';
import { DELIVERIES, enqueueEvent, refreshQueueDue, WEBHOOK_WAKE_CHANNEL, type DeliveryDoc } from '../functions/webhooks/deliveries.ts';
import { attemptDelivery, EndpointBreakers } from '../functions/webhooks/delivery-attempt.ts';
import { WEBHOOKS, wantsEvent, type WebhookDoc } from '../functions/webhooks/webhooks.ts';
import type { Services } from '../runtime/context.ts';
import { processRegistry } from '../runtime/http/metrics.ts';
import { newId } from '../runtime/ids.ts';
import type { WorkerHandle } from './index.ts';

/**
 * Webhooks in two steps. The dispatcher (consumer group `webhook-dispatcher` on
 * `conversation-events`) queues each event for every endpoint of its app that wants it: at least
 * once in, once per endpoint out (deliveries.ts dedupes). The sender polls the queues (and wakes on
 * a nudge): per endpoint, under a lease in the cache so two workers never send one endpoint's
 * deliveries at once, it attempts the head delivery and moves on only when it is finished.
 */
const outcomes = new Counter({
  name: 'caas_webhook_attempts_total',
  help: 'Webhook delivery attempts: finished (delivered or dead) or to be retried',
  labelNames: ['outcome'] as const,
  registers: [processRegistry],
});

interface PublishedEvent extends EventView {
  appId: string;
}

export async function startWebhookDelivery(services: Services): Promise<WorkerHandle> {
  const { bus, cache, store } = services.ports;
  const deliveries = store.collection<DeliveryDoc>(DELIVERIES);
  const webhooks = store.collection<WebhookDoc>(WEBHOOKS);
  const breakers = new EndpointBreakers(services);
  const instance = newId('sender');
  const leaseMs = services.config.CAAS_WEBHOOK_TIMEOUT_MS * 2 + 5_000;
  const active = new Map<string, Promise<void>>();
  let stopped = false;

  await bus.ensureTopics([{ name: CONVERSATION_EVENTS_TOPIC }]);
  const dispatcher = await bus.subscribe({
    group: 'webhook-dispatcher',
    topics: [CONVERSATION_EVENTS_TOPIC],
    handler: async (message) => {
      let event: PublishedEvent;
      try {
        event = JSON.parse(message.value) as PublishedEvent;
      } catch {
        services.log.warn({ offset: message.offset }, 'webhook dispatcher: unreadable event skipped');
        return;
      }
      if (typeof event.appId !== 'string' || typeof event.type !== 'string' || typeof event.id !== 'string') return;
      const targets = (await webhooks.find({ appId: event.appId, enabled: true })).filter((webhook) => wantsEvent(webhook, event.type));
      for (const webhook of targets) await enqueueEvent(services, webhook, event);
      if (targets.length > 0) void tick();
    },
  });

  async function sendQueue(webhookId: string): Promise<void> {
    const lease = `caas:webhooks:lease:${webhookId}`;
    if (!(await cache.set(lease, instance, { ifAbsent: true, ttlMs: leaseMs }))) return;
    try {
      while (!stopped) {
        const head = await deliveries.findOne({ webhookId, status: 'pending' }, { sort: { seq: 1 } });
        if (!head || head.nextAttemptAt > services.clock.now()) break;
        const webhook = await webhooks.findOne({ _id: webhookId });
        if (!webhook || !webhook.enabled) return;
        const finished = await attemptDelivery(services, breakers, webhook, head);
        outcomes.inc({ outcome: finished ? 'finished' : 'retry' });
        if (!finished) break;
        await cache.expire(lease, leaseMs);
      }
      await refreshQueueDue(services, webhookId);
    } finally {
      if ((await cache.get(lease).catch(() => null)) === instance) await cache.del(lease).catch(() => 0);
    }
  }

  async function pass(): Promise<void> {
    const due = await webhooks.find({ queueDueAt: { $lte: services.clock.now() }, enabled: true }, { sort: { queueDueAt: 1 }, limit: 500, projection: { _id: 1 } });
    for (const webhookId of due.map((webhook) => webhook._id)) {
      if (active.has(webhookId) || stopped) continue;
      const run = sendQueue(webhookId)
        .catch((error: unknown) => services.log.error({ err: error, webhookId }, 'webhook sender pass failed; retrying on the next poll'))
        .finally(() => active.delete(webhookId));
      active.set(webhookId, run);
    }
  }

  let passing: Promise<void> | null = null;
  function tick(): Promise<void> {
    if (stopped) return Promise.resolve();
    passing ??= pass()
      .catch((error: unknown) => services.log.error({ err: error }, 'webhook sender poll failed'))
      .finally(() => {
        passing = null;
      });
    return passing;
  }

  const unsubscribe = await cache.subscribe(WEBHOOK_WAKE_CHANNEL, () => void tick());
  const timer = setInterval(() => void tick(), services.config.CAAS_WEBHOOK_POLL_MS);
  timer.unref();
  void tick();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await unsubscribe();
      await dispatcher.stop();
      await passing;
      await Promise.allSettled([...active.values()]);
    },
  };
}
