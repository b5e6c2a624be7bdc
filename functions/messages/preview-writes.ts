import { Coalescer } from '../../runtime/coalescer.ts';
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
const writers = new WeakMap<Services['ports'], Coalescer<MessageDoc>>();

export function writePreview(services: Services, message: MessageDoc): Promise<void> {
  let writer = writers.get(services.ports);
  if (!writer) {
    writer = new Coalescer((_conversationId, newest) => write(services, newest), (queued, offered) => (offered.createdAt >= queued.createdAt ? offered : queued));
    writers.set(services.ports, writer);
  }
  return writer.run(message.conversationId, message);
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
