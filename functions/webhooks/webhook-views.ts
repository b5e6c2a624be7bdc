import { z } from 'zod';
import type { DeliveryDoc } from './deliveries.ts';
import type { WebhookDoc } from './webhooks.ts';

export const WebhookView = z.object({
  id: z.string(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  description: z.string(),
  enabled: z.boolean(),
  /** When the previous secret stops signing, while a rotation's overlap lasts. */
  previousSecretExpiresAt: z.number().nullable(),
  stats: z.object({
    attemptsSucceeded: z.number(),
    attemptsFailed: z.number(),
    delivered: z.number(),
    dead: z.number(),
    /** Share of delivery attempts the endpoint answered with 2xx; null before the first attempt. */
    successRate: z.number().nullable(),
  }),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export function toWebhookView(webhook: WebhookDoc, now: number): z.infer<typeof WebhookView> {
  const { attemptsSucceeded, attemptsFailed } = webhook.stats;
  const attempts = attemptsSucceeded + attemptsFailed;
  const previous = webhook.secrets.filter((entry) => entry.expiresAt !== null && entry.expiresAt > now);
  return {
    id: webhook._id,
    url: webhook.url,
    eventTypes: webhook.eventTypes,
    description: webhook.description,
    enabled: webhook.enabled,
    previousSecretExpiresAt: previous.length > 0 ? Math.max(...previous.map((entry) => entry.expiresAt!)) : null,
    stats: { ...webhook.stats, successRate: attempts === 0 ? null : attemptsSucceeded / attempts },
    createdAt: webhook.createdAt,
    updatedAt: webhook.updatedAt,
  };
}

export const AttemptView = z.object({
  at: z.number(),
  /** HTTP status the endpoint answered; null when no answer came (timeout, refused, connection error). */
  status: z.number().nullable(),
  durationMs: z.number(),
  error: z.string().nullable(),
});

export const DeliveryView = z.object({
  id: z.string(),
  webhookId: z.string(),
  /** The `webhook-id` header: the same on every attempt and replay, for the receiver to dedupe. */
  messageId: z.string(),
  seq: z.number(),
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(['pending', 'succeeded', 'dead']),
  attempts: z.array(AttemptView),
  nextAttemptAt: z.number().nullable(),
  replayOf: z.string().nullable(),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
});

export function toDeliveryView(delivery: DeliveryDoc): z.infer<typeof DeliveryView> {
  return {
    id: delivery._id,
    webhookId: delivery.webhookId,
    messageId: delivery.messageId,
    seq: delivery.seq,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.status === 'pending' ? delivery.nextAttemptAt : null,
    replayOf: delivery.replayOf,
    createdAt: delivery.createdAt,
    finishedAt: delivery.finishedAt,
  };
}
