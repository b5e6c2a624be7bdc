import { Gauge } from 'prom-client';
import { appendToAppLog } from '../functions/event-stream/app-event-log.ts';
import { CONVERSATION_EVENTS_TOPIC, type EventView } from '../functions/events/events.ts';
import type { Services } from '../runtime/context.ts';
import { processRegistry } from '../runtime/http/metrics.ts';
import type { WorkerHandle } from './index.ts';

/**
 * Feeds the app event log (functions/event-stream/app-event-log.ts) from `conversation-events`,
 * consumer group `app-event-log`: at least once in, once in the log (deduped by event id).
 */
const lag = new Gauge({
  name: 'caas_app_event_log_lag_seconds',
  help: 'For the last event logged for the app event stream: seconds from the event being recorded to it being streamable',
  registers: [processRegistry],
});

export async function startAppEventLog(services: Services): Promise<WorkerHandle> {
  const { bus } = services.ports;
  await bus.ensureTopics([{ name: CONVERSATION_EVENTS_TOPIC }]);
  const subscription = await bus.subscribe({
    group: 'app-event-log',
    topics: [CONVERSATION_EVENTS_TOPIC],
    handler: async (message) => {
      let published: EventView & { appId: string };
      try {
        published = JSON.parse(message.value) as EventView & { appId: string };
      } catch {
        services.log.warn({ offset: message.offset }, 'app event log: unreadable event skipped');
        return;
      }
      if (typeof published.appId !== 'string' || typeof published.id !== 'string') return;
      const { appId, ...event } = published;
      await appendToAppLog(services, appId, event);
      lag.set(Math.max(0, services.clock.now() - event.at) / 1000);
    },
  });
  return { stop: () => subscription.stop() };
}
