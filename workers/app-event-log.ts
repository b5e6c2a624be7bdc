import { Gauge } from 'prom-client';
import { appendToAppLog } from '../functions/event-stream/app-event-log.ts';
import { decodeEvent, type EventView } from '../functions/events/event-codec.ts';
import { CONVERSATION_EVENTS_TOPIC } from '../functions/events/events.ts';
import type { Services } from '../runtime/context.ts';
import { isAppError } from '../runtime/errors.ts';
import { processRegistry } from '../runtime/http/metrics.ts';
import type { WorkerHandle } from './index.ts';

/**
 * Feeds the app event log (functions/event-stream/app-event-log.ts) from `conversation-events`,
 * consumer group `app-event-log`, a bus batch at a time: at least once in, once in the log
 * (deduped by event id).
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
    // A bus batch becomes one append per app: two reads and one write instead of three per event.
    handleBatch: async (messages) => {
      const byApp = new Map<string, EventView[]>();
      for (const message of messages) {
        let decoded;
        try {
          decoded = decodeEvent(message.value);
        } catch (error) {
          if (!isAppError(error)) throw error;
          services.log.warn({ err: error, offset: message.offset }, 'app event log: malformed event skipped');
          continue;
        }
        const { appId, ...event } = decoded;
        const ofApp = byApp.get(appId) ?? [];
        ofApp.push(event);
        byApp.set(appId, ofApp);
      }
      for (const [appId, events] of byApp) {
        await appendToAppLog(services, appId, events);
        lag.set(Math.max(0, services.clock.now() - events.at(-1)!.at) / 1000);
      }
    },
  });
  return { stop: () => subscription.stop() };
}
