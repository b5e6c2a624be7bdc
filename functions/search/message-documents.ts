import type { SearchDocument } from '../../infra/search/port.ts';
import type { MessageDoc } from '../messages/messages.ts';

/**
 * How a message looks in the search index. The indexer (from events) and the rebuild (from the
 * store) both go through `toSearchDocument`, so a rebuild reproduces what live indexing wrote.
 *
 * - `version`: the sequence of the last event applied, so an older write never replaces a newer.
 * - `threadId`: the thread a message belongs to (its parent, or itself for a root), so one
 *   filter returns a thread's root and its replies.
 * - `audience`: who may find it. A shadowed message (shadow-banned author) is visible to its
 *   author only, so it carries just the author's id; every other message carries `EVERYONE`,
 *   which no user id can equal (user ids exclude `*`).
 */
export const EVERYONE = '*';

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
      audience: message.shadowed && message.authorId !== null ? [message.authorId] : [EVERYONE],
    },
  };
}

/** Deleted messages have no place in the index (a rebuild writes a tombstone for them instead). */
export function isSearchable(message: MessageDoc): boolean {
  return message.deletedAt === null;
}
