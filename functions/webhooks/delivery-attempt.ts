import { outboundFor, OutboundRefusedError } from '../../infra/outbound/index.ts';
import { enginePolicy, type EngineGuard } from '../../infra/resilience.ts';
import type { Services } from '../../runtime/context.ts';
import { DELIVERIES, nextAttemptAt, type AttemptRecord, type DeliveryDoc } from './deliveries.ts';
import { signedHeaders } from './signing.ts';
import { activeSecrets, WEBHOOKS, type WebhookDoc } from './webhooks.ts';

/**
 * One attempt of one delivery: signed with every active secret of the endpoint, sent through the
 * SSRF-guarded client inside the endpoint's timeout and circuit breaker (infra/resilience.ts, no
 * in-memory retries: the retry schedule is in the store). 2xx is delivered; anything else, a
 * timeout or an open circuit is a failed attempt, retried on the schedule until the window ends;
 * a URL the guard refuses is dead at once.
 */
export class EndpointBreakers {
  private readonly guards = new Map<string, EngineGuard>();
  constructor(private readonly services: Services) {}

  for(webhookId: string): EngineGuard {
    let guard = this.guards.get(webhookId);
    if (!guard) {
      guard = enginePolicy({
        engine: `webhook ${webhookId}`,
        timeoutMs: this.services.config.CAAS_WEBHOOK_TIMEOUT_MS,
        retries: 0,
        breakAfter: 5,
        halfOpenAfterMs: this.services.config.CAAS_WEBHOOK_BREAKER_OPEN_MS,
        isTransient: (error) => !(error instanceof OutboundRefusedError),
      });
      this.guards.set(webhookId, guard);
    }
    return guard;
  }
}

class EndpointAnswered extends Error {
  constructor(readonly status: number, detail: string) {
    super(`answered HTTP ${status}${detail}`);
  }
}

function describe(error: unknown): { status: number | null; error: string; refused: boolean } {
  let cause: unknown = error;
  while (cause instanceof Error && !(cause instanceof EndpointAnswered) && !(cause instanceof OutboundRefusedError) && cause.cause) cause = cause.cause;
  if (cause instanceof EndpointAnswered) return { status: cause.status, error: cause.message, refused: false };
  if (cause instanceof OutboundRefusedError) return { status: null, error: cause.message, refused: true };
  return { status: null, error: error instanceof Error ? error.message : String(error), refused: false };
}

/** Returns true when the delivery is finished (delivered or dead), false when it waits for a retry. */
export async function attemptDelivery(services: Services, breakers: EndpointBreakers, webhook: WebhookDoc, delivery: DeliveryDoc): Promise<boolean> {
  const started = services.clock.now();
  if (delivery.erased) return finish(services, webhook, delivery, { status: null, error: 'not sent: the event was erased (its author was crypto-shredded) before delivery', refused: true }, started);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'CaaS-Webhooks/1',
    ...signedHeaders(activeSecrets(webhook, started), delivery.messageId, Math.floor(started / 1000), delivery.body),
  };
  let outcome: Parameters<typeof finish>[3];
  try {
    const response = await breakers.for(webhook._id)('deliver', async (signal) => {
      const answer = await outboundFor(services.config).post(webhook.url, { headers, body: delivery.body, signal });
      if (answer.status < 200 || answer.status >= 300) {
        const location = answer.status >= 300 && answer.status < 400 ? ` (redirect to ${answer.headers.location ?? '?'} not followed)` : '';
        throw new EndpointAnswered(answer.status, location);
      }
      return answer;
    });
    outcome = { status: response.status, error: null, refused: false };
  } catch (error) {
    outcome = describe(error);
  }
  return finish(services, webhook, delivery, outcome, started);
}

/** Records the attempt: delivered, retried on the schedule, or dead (refused, or out of its window). */
async function finish(services: Services, webhook: WebhookDoc, delivery: DeliveryDoc, outcome: { status: number | null; error: string | null; refused: boolean }, started: number): Promise<boolean> {
  const now = services.clock.now();
  const attempt: AttemptRecord = { at: started, status: outcome.status, durationMs: now - started, error: outcome.error };
  const succeeded = outcome.error === null;
  const failures = delivery.attempts.filter((entry) => entry.error !== null).length + (succeeded ? 0 : 1);
  const retryAt = succeeded || outcome.refused ? null : nextAttemptAt(services, delivery, failures, now);
  const status = succeeded ? 'succeeded' : retryAt === null ? 'dead' : 'pending';
  const stats: Record<string, number> = succeeded ? { 'stats.attemptsSucceeded': 1, 'stats.delivered': 1 } : { 'stats.attemptsFailed': 1 };
  if (status === 'dead') stats['stats.dead'] = 1;
  const { store } = services.ports;
  // Independent writes, side by side (on the embedded store, one commit).
  await Promise.all([
    store.collection<DeliveryDoc>(DELIVERIES).updateOne(
      { _id: delivery._id },
      { $push: { attempts: attempt }, $set: { status, nextAttemptAt: retryAt ?? now, finishedAt: status === 'pending' ? null : now } },
    ),
    store.collection<WebhookDoc>(WEBHOOKS).updateOne({ _id: webhook._id }, { $inc: stats }),
  ]);
  if (status === 'dead') services.log.warn({ webhookId: webhook._id, deliveryId: delivery._id, error: outcome.error }, 'webhook delivery dead-lettered');
  return status !== 'pending';
}
