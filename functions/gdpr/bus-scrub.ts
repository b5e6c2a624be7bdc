import type { Services } from '../../runtime/context.ts';
import { CONVERSATION_EVENTS_TOPIC } from '../events/events.ts';

/**
 * What the bus retains of a user's conversation events: on the embedded log the events they caused
 * or that carry their message are rewritten with an emptied payload, so a replay (a new consumer
 * group, a reindex from the topic) brings nothing back; the media and search workers skip such
 * events as malformed. Kafka cannot rewrite a log: there this returns 0 and the topic's retention
 * (and, once merged, crypto-shredding) bounds how long the original stays (docs/compliance.md).
 * Then every embedded twin drops the erased bytes from its files (purgeErased).
 */
export async function scrubBusAndPurge(services: Services, appId: string, userId: string, keep: Set<string>): Promise<number> {
  const { bus, store, search } = services.ports;
  let rewritten = 0;
  if (bus.rewrite) {
    rewritten = await bus.rewrite(CONVERSATION_EVENTS_TOPIC, ({ value }) => {
      const event = parse(value);
      if (!event || event.appId !== appId || keep.has(String(event.conversationId))) return null;
      const payload = (event.payload ?? {}) as Record<string, unknown>;
      const message = (payload.message ?? {}) as Record<string, unknown>;
      const concerns = event.actorId === userId || payload.userId === userId || message.authorId === userId;
      return concerns ? JSON.stringify({ ...event, actorId: event.actorId === userId ? null : event.actorId, payload: { erased: true } }) : null;
    });
  }
  await bus.purgeErased?.();
  await store.purgeErased?.();
  await search.purgeErased?.();
  return rewritten;
}

function parse(value: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
