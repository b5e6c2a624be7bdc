import type { StorePort } from '../../infra/store/port.ts';
import { openDocument } from '../crypto/sealed-store.ts';
import type { ConversationEvent } from './event-codec.ts';
import { EVENTS } from './events.ts';

/**
 * The bus carries events as the store holds them, message fields encrypted (bound to the event's
 * store id): a consumer that needs the text (realtime, search) opens it here. A shredded author's
 * message comes out in the erased shape (text null, `erased: true`).
 */
export function openEvent(store: StorePort, event: ConversationEvent): Promise<ConversationEvent> {
  return openDocument(store, EVENTS, event, event.id, event.appId);
}
