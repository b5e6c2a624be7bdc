import { openDocument } from '../crypto/sealed-store.ts';
import { EVENTS } from '../events/events.ts';
import { walkSeqIds } from '../events/seq-windows.ts';
import { appendDenseMany, denseHeadsOf } from '../../infra/store/dense-append.ts';
import type { Services } from '../../runtime/context.ts';
import type { IndexDeclaration } from '../../infra/store/port.ts';
import type { EventView } from '../events/event-codec.ts';

/**
 * Every event of an app, in one durable order: the app event log behind `GET /v1/events/stream`.
 * Its consumer (workers/app-event-log.ts) appends each conversation event once (deduped by event
 * id) with the app's next dense sequence number, which is the stream's cursor: resuming after a
 * cursor yields exactly the events after it, however long the client was away, across restarts.
 */
export interface AppEventDoc {
  /** `${appId}:${seq}` */
  _id: string;
  appId: string;
  seq: number;
  eventId: string;
  event: EventView;
  loggedAt: number;
  [key: string]: unknown;
}

export const APP_EVENTS = 'app_events';

const appEventId = (appId: string, seq: number) => `${appId}:${String(seq).padStart(12, '0')}`;

export const appEventIndexes: IndexDeclaration[] = [
  {
    collection: APP_EVENTS,
    specs: [
      { keys: { appId: 1, seq: 1 }, unique: true },
      { keys: { eventId: 1 }, unique: true },
    ],
  },
];

/** Appends an app's events in their order, each once however often it is delivered. */
export function appendToAppLog(services: Services, appId: string, events: EventView[]): Promise<void> {
  const { store } = services.ports;
  const collection = store.collection<AppEventDoc>(APP_EVENTS);
  return appendDenseMany({
    collection,
    heads: denseHeadsOf(store, APP_EVENTS),
    scope: { appId },
    inputs: events,
    make: (event, seq) => ({ _id: appEventId(appId, seq), appId, seq, eventId: event.id, event, loggedAt: services.clock.now() }),
    written: async (inputs) => {
      const rows = await collection.find({ eventId: { $in: inputs.map((event) => event.id) } }, { projection: { eventId: 1 } });
      const ids = new Set(rows.map((row) => row.eventId));
      return new Set(inputs.filter((event) => ids.has(event.id)));
    },
    existing: (event) => collection.findOne({ eventId: event.id }),
  });
}

/**
 * The log keeps events as the bus carries them (message fields encrypted); they are opened here, on
 * the way out. On a store without range scans (seq-windows.ts) the rows are read by id: the log is
 * dense and nothing is deleted from it, so the first missing id is its end. The first window is one
 * id: a caught-up stream polls, and each poll then asks for exactly the next row.
 */
export async function appEventsAfter(services: Services, appId: string, afterSeq: number, limit: number): Promise<AppEventDoc[]> {
  const { store } = services.ports;
  const log = store.collection<AppEventDoc>(APP_EVENTS);
  const rows =
    store.capabilities.rangeScans === false
      ? await walkSeqIds(log, (seq) => appEventId(appId, seq), { direction: 'up', start: afterSeq + 1, end: Infinity, dense: true, limit, firstWidth: 1 })
      : await log.find({ appId, seq: { $gt: afterSeq } }, { sort: { seq: 1 }, limit });
  return Promise.all(rows.map(async (row) => ({ ...row, event: await openDocument(store, EVENTS, row.event, row.event.id, row.appId) })));
}
