import type { Services } from '../../runtime/context.ts';
import { CONVERSATIONS, type ConversationDoc } from '../conversations/conversations.ts';
import { previewOf } from './last-message.ts';
import type { MessageDoc } from './messages.ts';

/**
 * A conversation's preview (last message, last activity) written for a new message. Concurrent
 * sends into one conversation would each rewrite the same row, and stores that take one writer
 * of a row at a time (FerretDB, SQLite's write lock) queue them all. So writes of one
 * conversation are coalesced in this process: while one is running, later messages wait, and
 * only the newest of them is written next. Every caller resolves once a write at least as new as
 * its own message is done (the `lastActivityAt` guard keeps older ones from ever landing), so a
 * send still answers after its preview is in place.
 */
interface Slot {
  running: Promise<void>;
  next: { message: MessageDoc; done: Promise<void> } | null;
}

const slots = new WeakMap<Services['ports'], Map<string, Slot>>();

export function writePreview(services: Services, message: MessageDoc): Promise<void> {
  let perPorts = slots.get(services.ports);
  if (!perPorts) slots.set(services.ports, (perPorts = new Map()));
  const slot = perPorts.get(message.conversationId);
  if (!slot) {
    const running = write(services, message).finally(() => advance(perPorts, message.conversationId, services));
    perPorts.set(message.conversationId, { running, next: null });
    return running;
  }
  if (slot.next) {
    if (message.createdAt >= slot.next.message.createdAt) slot.next.message = message;
    return slot.next.done;
  }
  const queued = { message, done: Promise.resolve() };
  // Runs after the current write, with whichever message is newest by then.
  queued.done = slot.running.catch(() => undefined).then(() => write(services, queued.message));
  slot.next = queued;
  return queued.done;
}

function advance(perPorts: Map<string, Slot>, conversationId: string, services: Services): void {
  const slot = perPorts.get(conversationId);
  if (!slot) return;
  const next = slot.next;
  if (!next) {
    perPorts.delete(conversationId);
    return;
  }
  slot.next = null;
  slot.running = next.done.finally(() => advance(perPorts, conversationId, services));
}

function write(services: Services, message: MessageDoc): Promise<void> {
  return services.ports.store
    .collection<ConversationDoc>(CONVERSATIONS)
    .updateOne(
      // appId as well: the sealed store binds the preview's ciphertext to it without reading the row.
      { _id: message.conversationId, appId: message.appId, lastActivityAt: { $lte: message.createdAt } },
      { $set: { lastActivityAt: message.createdAt, lastMessage: previewOf(message) } },
    )
    .then(() => undefined);
}
