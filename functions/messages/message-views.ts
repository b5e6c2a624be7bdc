import { z } from 'zod';
import type { MessageDoc } from './messages.ts';

export const MessageId = z.string().regex(/^msg_[0-9a-z]{26}$/, 'must be a message id (msg_…)');

export const MessageView = z.object({
  id: z.string(),
  conversationId: z.string(),
  seq: z.number(),
  authorId: z.string().nullable(),
  type: z.enum(['regular', 'system']),
  /** null when the author was crypto-shredded (`erased: true`): their text and custom data are gone for good. */
  text: z.string().nullable(),
  erased: z.boolean(),
  attachments: z.array(z.string()),
  mentions: z.array(z.string()),
  custom: z.record(z.string(), z.unknown()),
  parentId: z.string().nullable(),
  quotedId: z.string().nullable(),
  silent: z.boolean(),
  clientMessageId: z.string().nullable(),
  createdAt: z.number(),
  editedAt: z.number().nullable(),
  deleted: z.boolean(),
  deletedAt: z.number().nullable(),
  reactionCounts: z.record(z.string(), z.number()),
  ownReactions: z.array(z.string()),
  replyCount: z.number(),
  latestReplierIds: z.array(z.string().nullable()),
  pinnedAt: z.number().nullable(),
  pinnedBy: z.string().nullable(),
  /** Disappearing messages: when it is removed everywhere (epoch ms); null when it stays. */
  expiresAt: z.number().nullable(),
  edits: z.array(z.object({ text: z.string(), editedAt: z.number() })).optional(),
});
export type MessageView = z.infer<typeof MessageView>;

export function toMessageView(message: MessageDoc, ownReactions: string[] = [], withEdits = false): MessageView {
  return {
    id: message._id,
    conversationId: message.conversationId,
    seq: message.seq,
    authorId: message.authorId,
    type: message.type,
    text: message.erased ? null : message.text,
    erased: message.erased === true,
    attachments: message.attachments,
    mentions: message.mentions,
    custom: message.erased ? {} : message.custom,
    parentId: message.parentId,
    quotedId: message.quotedId,
    silent: message.silent,
    clientMessageId: message.clientMessageId,
    createdAt: message.createdAt,
    editedAt: message.editedAt,
    deleted: message.deletedAt !== null,
    deletedAt: message.deletedAt,
    reactionCounts: message.reactionCounts,
    ownReactions,
    replyCount: message.replyCount,
    latestReplierIds: [...message.latestReplierIds].reverse(),
    pinnedAt: message.pinnedAt,
    pinnedBy: message.pinnedBy,
    expiresAt: message.expiresAt ?? null,
    ...(withEdits ? { edits: message.erased ? [] : message.edits } : {}),
  };
}

/** Shadowed messages exist only for their author. */
export function visibleTo(message: MessageDoc, viewerId: string | null): boolean {
  return !message.shadowed || viewerId === null || message.authorId === viewerId;
}
