import { z } from 'zod';
import type { ScheduledDoc } from './scheduled.ts';

export const ScheduledMessageView = z.object({
  id: z.string(),
  conversationId: z.string(),
  authorId: z.string().nullable(),
  /** RFC 3339, UTC. */
  sendAt: z.string(),
  status: z.enum(['scheduled', 'sending', 'sent', 'failed']),
  text: z.string(),
  attachments: z.array(z.string()),
  mentions: z.array(z.string()),
  custom: z.record(z.string(), z.unknown()),
  parentId: z.string().nullable(),
  quotedId: z.string().nullable(),
  silent: z.boolean(),
  type: z.enum(['regular', 'system']),
  clientMessageId: z.string().nullable(),
  ttlSeconds: z.number().nullable(),
  /** Once sent: the message and its sequence. */
  messageId: z.string().nullable(),
  seq: z.number().nullable(),
  /** Once failed: why (the stable error code and its detail). */
  failure: z.object({ code: z.string(), detail: z.string() }).nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type ScheduledMessageView = z.infer<typeof ScheduledMessageView>;

export function toScheduledView(doc: ScheduledDoc): ScheduledMessageView {
  const { message } = doc;
  return {
    id: doc._id,
    conversationId: doc.conversationId,
    authorId: doc.authorId,
    sendAt: new Date(doc.sendAt).toISOString(),
    status: doc.status,
    text: message.text,
    attachments: message.attachments,
    mentions: message.mentions,
    custom: message.custom,
    parentId: message.parentId ?? null,
    quotedId: message.quotedId ?? null,
    silent: message.silent,
    type: message.type,
    clientMessageId: message.clientMessageId ?? null,
    ttlSeconds: message.ttlSeconds ?? null,
    messageId: doc.messageId,
    seq: doc.seq,
    failure: doc.failure,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
