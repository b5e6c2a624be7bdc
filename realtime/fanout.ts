/**
 * The one path from the event log to every realtime node: a bus consumer in the group
 * 'realtime-fanout' (so each event is taken once, however many nodes run it) republishes each
 * conversation event, unchanged, on one cache pub/sub channel that every node subscribes to.
 * Partitions are consumed in order and each publish is awaited, so a conversation's events reach
 * the channel in sequence order; a redelivery after a crash is dropped by the sockets' cursors.
 */
import { CONVERSATION_EVENTS_TOPIC } from '../functions/events/events.ts';
import type { Services } from '../runtime/context.ts';

export const FANOUT_GROUP = 'realtime-fanout';
export const EVENTS_CHANNEL = 'caas:realtime:events';

export interface Fanout {
  stop(): Promise<void>;
}

export async function startFanout(services: Services): Promise<Fanout> {
  const { bus, cache } = services.ports;
  await bus.ensureTopics([{ name: CONVERSATION_EVENTS_TOPIC }]);
  // Nodes started later need not see history: the store replays it to the sockets that ask.
  const subscription = await bus.subscribe({
    group: FANOUT_GROUP,
    topics: [CONVERSATION_EVENTS_TOPIC],
    fromBeginning: false,
    handler: (message) => cache.publish(EVENTS_CHANNEL, message.value),
  });
  return { stop: () => subscription.stop() };
}
