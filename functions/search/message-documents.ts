import type { SearchDocument } from '../../infra/search/port.ts';
import type { MessageDoc } from '../messages/messages.ts';

/**
 * How a message looks in the search index. The indexer (from events) and the rebuild (from the
 * store) both go through `toSearchDocument`, so a rebuild reproduces what live indexing wrote.
 *
 * - `version`: the sequence of the last event applied, so an older write never replaces a newer.
 * - `threadId`: the thread a message belongs to (its parent, or itself for a root), so one
 *   filter returns a thread's root and its replies.
 * - `shadowed`: the author was shadow-banned; such a message is shown to its author only, which
 *   the search checks on the message row it returns (message-search.ts).
 */
export function toSearchDocument(message: MessageDoc, version: number): SearchDocument {
  return {
    id: message._id,
    version,
    text: message.text,
    fields: {
      appId: message.appId,
      conversationId: message.conversationId,
      authorId: message.authorId,
      createdAt: message.createdAt,
      type: message.type,
      hasAttachment: message.attachments.length > 0,
      parentId: message.parentId,
      threadId: message.parentId ?? message._id,
      isReply: message.parentId !== null,
      shadowed: message.shadowed,
    },
  };
}

/** Deleted messages have no place in the index (a rebuild writes a tombstone for them instead). */
export function isSearchable(message: MessageDoc): boolean {
  return message.deletedAt === null;
}
