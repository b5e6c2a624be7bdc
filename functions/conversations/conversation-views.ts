import { z } from 'zod';
import type { ConversationDoc, MemberDoc } from './conversations.ts';

export const ConversationId = z.string().regex(/^conv_[0-9a-z]{26}$/, 'must be a conversation id (conv_…)');

export const MemberView = z.object({
  userId: z.string(),
  role: z.enum(['owner', 'admin', 'member']),
  joinedAt: z.number(),
  lastReadSeq: z.number(),
  lastReadAt: z.number().nullable(),
  lastDeliveredSeq: z.number(),
  mutedUntil: z.number().nullable(),
});

export const ConversationView = z.object({
  id: z.string(),
  type: z.enum(['direct', 'group', 'channel']),
  name: z.string().nullable(),
  image: z.string().nullable(),
  custom: z.record(z.string(), z.unknown()),
  createdBy: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  lastActivityAt: z.number(),
  lastMessage: z
    .object({ id: z.string(), seq: z.number(), authorId: z.string().nullable(), text: z.string().nullable(), erased: z.boolean().optional(), createdAt: z.number() })
    .nullable(),
  memberCount: z.number(),
  slowModeSeconds: z.number(),
  /** Disappearing messages: seconds after which new messages expire; null = off. */
  messageTtlSeconds: z.number().nullable(),
  /** The caller's own membership, when the caller is a member. */
  membership: MemberView.extend({ hidden: z.boolean(), archived: z.boolean() }).nullable(),
  /** Messages after the caller's read marker, not written by the caller. */
  unreadCount: z.number().optional(),
});
export type ConversationView = z.infer<typeof ConversationView>;

export function toMemberView(member: MemberDoc): z.infer<typeof MemberView> {
  return {
    userId: member.userId,
    role: member.role,
    joinedAt: member.joinedAt,
    lastReadSeq: member.lastReadSeq,
    lastReadAt: member.lastReadAt,
    lastDeliveredSeq: member.lastDeliveredSeq,
    mutedUntil: member.mutedUntil,
  };
}

export function toConversationView(conversation: ConversationDoc, member: MemberDoc | null, unreadCount?: number): ConversationView {
  return {
    id: conversation._id,
    type: conversation.type,
    name: conversation.name,
    image: conversation.image,
    custom: conversation.custom,
    createdBy: conversation.createdBy,
    createdAt: conversation.createdAt,
    updatedAt: conversation.updatedAt,
    lastActivityAt: conversation.lastActivityAt,
    lastMessage: conversation.lastMessage,
    memberCount: conversation.memberCount,
    slowModeSeconds: conversation.slowModeSeconds,
    messageTtlSeconds: conversation.messageTtlSeconds ?? null,
    membership: member ? { ...toMemberView(member), hidden: member.hidden, archived: member.archived } : null,
    ...(unreadCount === undefined ? {} : { unreadCount }),
  };
}
