import { z } from 'zod';
import { checkOutboundUrl, OutboundRefusedError, parseAllowlist } from '../../infra/outbound/index.ts';
import type { IndexDeclaration } from '../../infra/store/port.ts';
import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import { newId } from '../../runtime/ids.ts';
import { EVENT_TYPES, type EventType } from '../events/events.ts';
import { newSigningSecret } from './signing.ts';

/**
 * Webhook endpoints of an app: a URL, the event types it wants (none = all), and its signing
 * secrets. A rotation keeps the previous secret valid for an overlap window, during which every
 * delivery carries both signatures. Counters feed the endpoint's success rate.
 */
export interface WebhookSecret {
  secret: string;
  createdAt: number;
  /** null while current; set on rotation to the end of the overlap window. */
  expiresAt: number | null;
}

export interface WebhookStats {
  attemptsSucceeded: number;
  attemptsFailed: number;
  delivered: number;
  dead: number;
}

export interface WebhookDoc {
  _id: string;
  appId: string;
  url: string;
  eventTypes: EventType[];
  description: string;
  enabled: boolean;
  secrets: WebhookSecret[];
  stats: WebhookStats;
  /** When the head of the delivery queue is due; QUEUE_IDLE when nothing waits. The sender polls endpoints by it. */
  queueDueAt: number;
  createdAt: number;
  updatedAt: number;
  [key: string]: unknown;
}

export const WEBHOOKS = 'webhooks';
/** The latest time a JavaScript Date can hold: "nothing queued", and still a number for `$min`. */
export const QUEUE_IDLE = 8_640_000_000_000_000;
export const MAX_WEBHOOKS_PER_APP = 20;
export const WebhookId = z.string().regex(/^whk_[0-9a-z]{26}$/, 'must be a webhook id (whk_…)');
export const EventTypeFilter = z.array(z.enum(EVENT_TYPES)).max(EVENT_TYPES.length);

export const webhookIndexes: IndexDeclaration[] = [{ collection: WEBHOOKS, specs: [{ keys: { appId: 1, createdAt: 1 } }, { keys: { queueDueAt: 1 } }] }];

/** Refuses, at registration, URLs no delivery could ever reach (scheme, credentials, a literal private address). */
export function requireCallableUrl(services: Services, url: string, field = 'body.url'): string {
  try {
    return checkOutboundUrl(url, parseAllowlist(services.config.CAAS_OUTBOUND_ALLOW_HOSTS)).toString();
  } catch (error) {
    if (!(error instanceof OutboundRefusedError)) throw error;
    throw new AppError('VALIDATION_FAILED', error.message, { issues: [{ path: field, message: error.message }] });
  }
}

export function activeSecrets(webhook: WebhookDoc, now: number): string[] {
  return webhook.secrets.filter((entry) => entry.expiresAt === null || entry.expiresAt > now).map((entry) => entry.secret);
}

export function wantsEvent(webhook: WebhookDoc, type: string): boolean {
  return webhook.enabled && (webhook.eventTypes.length === 0 || webhook.eventTypes.includes(type as EventType));
}

export interface WebhookInput {
  url: string;
  eventTypes: EventType[];
  description: string;
  enabled: boolean;
}

export async function createWebhook(services: Services, appId: string, input: WebhookInput): Promise<{ webhook: WebhookDoc; secret: string }> {
  const collection = services.ports.store.collection<WebhookDoc>(WEBHOOKS);
  if ((await collection.countDocuments({ appId })) >= MAX_WEBHOOKS_PER_APP) {
    throw new AppError('LIMIT_EXCEEDED', `An app has at most ${MAX_WEBHOOKS_PER_APP} webhooks`);
  }
  const now = services.clock.now();
  const secret = newSigningSecret();
  const webhook: WebhookDoc = {
    _id: newId('whk', now),
    appId,
    ...input,
    url: requireCallableUrl(services, input.url),
    eventTypes: [...new Set(input.eventTypes)],
    secrets: [{ secret, createdAt: now, expiresAt: null }],
    stats: { attemptsSucceeded: 0, attemptsFailed: 0, delivered: 0, dead: 0 },
    queueDueAt: QUEUE_IDLE,
    createdAt: now,
    updatedAt: now,
  };
  await collection.insertOne(webhook);
  return { webhook, secret };
}

export async function requireWebhook(services: Services, appId: string, webhookId: string): Promise<WebhookDoc> {
  const webhook = await services.ports.store.collection<WebhookDoc>(WEBHOOKS).findOne({ _id: webhookId, appId });
  if (!webhook) throw new AppError('NOT_FOUND', `Webhook ${webhookId} not found`);
  return webhook;
}

export interface WebhookChange extends Partial<WebhookInput> {
  rotateSecret?: boolean;
  /** How long the previous secret keeps signing after a rotation. */
  secretOverlapSeconds?: number;
}

export async function updateWebhook(
  services: Services,
  appId: string,
  webhookId: string,
  change: WebhookChange,
): Promise<{ webhook: WebhookDoc; secret: string | null }> {
  const current = await requireWebhook(services, appId, webhookId);
  const now = services.clock.now();
  const set: Record<string, unknown> = { updatedAt: now };
  if (change.url !== undefined) set.url = requireCallableUrl(services, change.url);
  if (change.eventTypes !== undefined) set.eventTypes = [...new Set(change.eventTypes)];
  if (change.description !== undefined) set.description = change.description;
  if (change.enabled !== undefined) set.enabled = change.enabled;
  let secret: string | null = null;
  if (change.rotateSecret) {
    secret = newSigningSecret();
    const overlapEnds = now + (change.secretOverlapSeconds ?? 86_400) * 1000;
    const previous = current.secrets
      .filter((entry) => entry.expiresAt === null || entry.expiresAt > now)
      .map((entry) => ({ ...entry, expiresAt: Math.min(entry.expiresAt ?? overlapEnds, overlapEnds) }))
      .filter((entry) => entry.expiresAt > now);
    set.secrets = [{ secret, createdAt: now, expiresAt: null }, ...previous];
  }
  const webhook = await services.ports.store
    .collection<WebhookDoc>(WEBHOOKS)
    .findOneAndUpdate({ _id: webhookId, appId }, { $set: set }, { returnDocument: 'after' });
  if (!webhook) throw new AppError('NOT_FOUND', `Webhook ${webhookId} not found`);
  return { webhook, secret };
}
