import { Gauge } from 'prom-client';
import { appendToAppLog } from '../functions/event-stream/app-event-log.ts';
import { decodeEvent } from '../functions/events/event-codec.ts';
import { CONVERSATION_EVENTS_TOPIC } from '../functions/events/events.ts';
import type { Services } from '../runtime/context.ts';
import { isAppError } from '../runtime/errors.ts';
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
      let decoded;
      try {
        decoded = decodeEvent(message.value);
      } catch (error) {
        if (!isAppError(error)) throw error;
        services.log.warn({ err: error, offset: message.offset }, 'app event log: malformed event skipped');
        return;
      }
      const { appId, ...event } = decoded;
      await appendToAppLog(services, appId, event);
      lag.set(Math.max(0, services.clock.now() - event.at) / 1000);
    },
  });
  return { stop: () => subscription.stop() };
}
