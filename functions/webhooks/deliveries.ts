import { wake } from '../../infra/cache/wake.ts';
import { appendDense, appendDenseMany, denseHeadsOf } from '../../infra/store/dense-append.ts';
import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import { newId } from '../../runtime/ids.ts';
import type { IndexDeclaration } from '../../infra/store/port.ts';
import { eventContentOwner } from '../crypto/sealed-fields.ts';
import type { EventView } from '../events/event-codec.ts';
import { QUEUE_IDLE, WEBHOOKS, type WebhookDoc } from './webhooks.ts';

/**
 * The delivery queue of each webhook endpoint: one row per (endpoint, event), numbered densely
 * per endpoint so they are sent in order, one at a time; the head blocks the rest until it is
 * delivered or dead. The retry schedule (`nextAttemptAt`) lives in the row, so a restart keeps it.
 */
export interface AttemptRecord {
  at: number;
  status: number | null;
  durationMs: number;
  error: string | null;
}

export interface DeliveryDoc {
  _id: string;
  appId: string;
  webhookId: string;
  seq: number;
  /** `${webhookId}|${eventId}` for the first delivery of an event; a replay has its own. */
  dedupeKey: string;
  messageId: string;
  eventId: string;
  eventType: string;
  /** The exact body sent (and signed) on every attempt; encrypted at rest under its author's data key (null once crypto-shredded). */
  body: string;
  /** The author of the message the event carries (whose data key seals the body); null for the app's. */
  authorId: string | null;
  status: 'pending' | 'succeeded' | 'dead';
  attempts: AttemptRecord[];
  nextAttemptAt: number;
  replayOf: string | null;
  createdAt: number;
  finishedAt: number | null;
  [key: string]: unknown;
}

export const DELIVERIES = 'webhook_deliveries';
export const WEBHOOK_WAKE_CHANNEL = 'caas:webhooks:wake';

export const deliveryIndexes: IndexDeclaration[] = [
  {
    collection: DELIVERIES,
    specs: [
      { keys: { webhookId: 1, seq: 1 }, unique: true },
      { keys: { dedupeKey: 1 }, unique: true },
      { keys: { status: 1, nextAttemptAt: 1 } },
      { keys: { webhookId: 1, status: 1, seq: 1 } },
    ],
  },
];

/** The delivery body: the event as the realtime protocol and REST show it, with its app. */
export function deliveryBody(appId: string, event: EventView): string {
  return JSON.stringify({ type: event.type, timestamp: new Date(event.at).toISOString(), data: { appId, ...event } });
}

type DeliveryFields = Pick<DeliveryDoc, 'dedupeKey' | 'messageId' | 'eventId' | 'eventType' | 'body' | 'authorId' | 'replayOf'>;

function deliveryRow(webhook: Pick<WebhookDoc, '_id' | 'appId'>, fields: DeliveryFields, seq: number, now: number): DeliveryDoc {
  return {
    _id: newId('dlv', now),
    appId: webhook.appId,
    webhookId: webhook._id,
    seq,
    ...fields,
    status: 'pending',
    attempts: [],
    nextAttemptAt: now,
    createdAt: now,
    finishedAt: null,
  };
}

/** The endpoint has a delivery due now (the sender polls endpoints by this time). */
function markDue(services: Services, webhookId: string, now: number): Promise<unknown> {
  return services.ports.store.collection<WebhookDoc>(WEBHOOKS).updateOne({ _id: webhookId }, { $min: { queueDueAt: now } });
}

async function enqueue(services: Services, webhook: Pick<WebhookDoc, '_id' | 'appId'>, fields: DeliveryFields): Promise<DeliveryDoc> {
  const collection = services.ports.store.collection<DeliveryDoc>(DELIVERIES);
  const now = services.clock.now();
  const delivery = await appendDense<DeliveryDoc>({
    collection,
    scope: { webhookId: webhook._id },
    make: (seq) => deliveryRow(webhook, fields, seq, now),
    existing: () => collection.findOne({ dedupeKey: fields.dedupeKey }),
  });
  await markDue(services, webhook._id, now);
  return delivery;
}

/**
 * Sets the endpoint's `queueDueAt` from its queue's head after the sender moved on. Idle first,
 * then the head: a delivery queued meanwhile either is seen here or lowers the time itself.
 */
export async function refreshQueueDue(services: Services, webhookId: string): Promise<void> {
  const webhooks = services.ports.store.collection<WebhookDoc>(WEBHOOKS);
  await webhooks.updateOne({ _id: webhookId }, { $set: { queueDueAt: QUEUE_IDLE } });
  const head = await services.ports.store.collection<DeliveryDoc>(DELIVERIES).findOne({ webhookId, status: 'pending' }, { sort: { seq: 1 } });
  if (head) await webhooks.updateOne({ _id: webhookId }, { $min: { queueDueAt: head.nextAttemptAt } });
}

function eventDelivery(webhook: WebhookDoc, event: EventView): DeliveryFields {
  return {
    dedupeKey: `${webhook._id}|${event.id}`,
    messageId: `msg_${event.id.replace(/[^A-Za-z0-9]/g, '')}`,
    eventId: event.id,
    eventType: event.type,
    body: deliveryBody(webhook.appId, event),
    authorId: eventContentOwner(event),
    replayOf: null,
  };
}

/**
 * Queues events for one endpoint in their order, each once however often the bus delivers it (by
 * its dedupe key): one insert for the lot instead of a read and two writes per event.
 */
export async function enqueueEvents(services: Services, webhook: WebhookDoc, events: EventView[]): Promise<void> {
  const { store } = services.ports;
  const collection = store.collection<DeliveryDoc>(DELIVERIES);
  const now = services.clock.now();
  await appendDenseMany({
    collection,
    heads: denseHeadsOf(store, DELIVERIES),
    scope: { webhookId: webhook._id },
    inputs: events.map((event) => eventDelivery(webhook, event)),
    make: (fields, seq) => deliveryRow(webhook, fields, seq, now),
    written: async (inputs) => {
      const rows = await collection.find({ dedupeKey: { $in: inputs.map((fields) => fields.dedupeKey) } }, { projection: { dedupeKey: 1 } });
      const keys = new Set(rows.map((row) => row.dedupeKey));
      return new Set(inputs.filter((fields) => keys.has(fields.dedupeKey)));
    },
    existing: (fields) => collection.findOne({ dedupeKey: fields.dedupeKey }),
  });
  await markDue(services, webhook._id, now);
}

/** Sends a finished delivery (usually a dead letter) again, at the end of the endpoint's queue, with the same message id. */
export async function replayDelivery(services: Services, appId: string, webhookId: string, deliveryId: string): Promise<DeliveryDoc> {
  const original = await services.ports.store.collection<DeliveryDoc>(DELIVERIES).findOne({ _id: deliveryId, webhookId, appId });
  if (!original) throw new AppError('NOT_FOUND', `Delivery ${deliveryId} not found`);
  if (original.status === 'pending') throw new AppError('CONFLICT', `Delivery ${deliveryId} is still pending; it will be attempted on its schedule`);
  if (original.erased) throw new AppError('KEY_DESTROYED', `Delivery ${deliveryId} cannot be replayed: its body was erased (its author's data key was crypto-shredded)`);
  const replay = await enqueue(services, { _id: webhookId, appId }, {
    dedupeKey: `replay|${deliveryId}|${newId('r')}`,
    messageId: original.messageId,
    eventId: original.eventId,
    eventType: original.eventType,
    body: original.body,
    authorId: original.authorId ?? null,
    replayOf: original._id,
  });
  void wake(services.ports.cache, WEBHOOK_WAKE_CHANNEL).catch(() => undefined);
  return replay;
}

/**
 * Exponential backoff with jitter: base × 2^(attempt−1), capped, times a random factor in
 * [0.5, 1]; a delivery is dead once the next attempt would fall outside the retry window
 * (default one day) counted from its creation.
 */
export function nextAttemptAt(services: Services, delivery: DeliveryDoc, failedAttempts: number, now: number, random = Math.random()): number | null {
  const { CAAS_WEBHOOK_RETRY_BASE_MS: base, CAAS_WEBHOOK_RETRY_MAX_MS: max, CAAS_WEBHOOK_RETRY_WINDOW_MS: window } = services.config;
  const delay = Math.min(max, base * 2 ** Math.min(failedAttempts - 1, 40)) * (0.5 + random / 2);
  const at = now + Math.round(delay);
  return at > delivery.createdAt + window ? null : at;
}
