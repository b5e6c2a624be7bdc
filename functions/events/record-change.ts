import { wake } from '../../infra/cache/wake.ts';
import type { Services } from '../../runtime/context.ts';
import { appendEvent, type EventDoc, type NewEvent } from './events.ts';
import { applyProjection } from './projections.ts';

/** Published on the cache after each change so the outbox relay publishes at once instead of on its next poll. */
export const OUTBOX_WAKE_CHANNEL = 'caas:outbox:wake';

/**
 * The one way to change a conversation: append the event (commit point, outbox row), apply its
 * projection, and nudge the outbox relay. Everything the change needs must be validated before.
 *
 * Once the event is written the change has happened: a projection that fails after it (an engine
 * gone mid-way) is logged and left to the outbox relay, which applies it again, and the caller
 * is answered with success — never an error for a change that committed, which a client would
 * retry into a duplicate.
 */
export async function recordChange(services: Services, change: NewEvent): Promise<EventDoc> {
  const event = await appendEvent(services, change);
  try {
    await applyProjection(services, event);
  } catch (error) {
    services.log.warn({ err: error, eventId: event._id }, 'projection failed after the event committed; the outbox relay applies it again');
  }
  void wake(services.ports.cache, OUTBOX_WAKE_CHANNEL).catch((error: unknown) => {
    services.log.warn({ err: error }, 'outbox wake-up not sent; the relay will find the event on its next poll');
  });
  return event;
}
