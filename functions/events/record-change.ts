import type { Services } from '../../runtime/context.ts';
import { appendEvent, type EventDoc, type NewEvent } from './events.ts';
import { applyProjection } from './projections.ts';

/** Published on the cache after each change so the outbox relay publishes at once instead of on its next poll. */
export const OUTBOX_WAKE_CHANNEL = 'caas:outbox:wake';

/**
 * The one way to change a conversation: append the event (commit point, outbox row), apply its
 * projection, and nudge the outbox relay. Everything the change needs must be validated before.
 */
export async function recordChange(services: Services, change: NewEvent): Promise<EventDoc> {
  const event = await appendEvent(services, change);
  await applyProjection(services, event);
  void services.ports.cache.publish(OUTBOX_WAKE_CHANNEL, event.conversationId).catch((error: unknown) => {
    services.log.warn({ err: error }, 'outbox wake-up not sent; the relay will find the event on its next poll');
  });
  return event;
}
