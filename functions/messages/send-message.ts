import { z } from 'zod';
import { defineFunction, reply } from '../../runtime/define-function.ts';
import { ConversationId } from '../conversations/conversation-views.ts';
import { policyAccess } from '../conversations/conversations.ts';
import { CustomData } from '../custom-data.ts';
import { MAX_ATTACHMENTS } from '../media/media-records.ts';
import { UserId } from '../users/users.ts';
import { ScheduledMessageView, toScheduledView } from '../scheduled/scheduled-views.ts';
import { scheduleMessage } from '../scheduled/scheduling.ts';
import { sendMessage } from './message-sending.ts';
import { TtlSeconds } from './message-ttl.ts';
import { MessageId, MessageView, toMessageView } from './message-views.ts';

export default defineFunction({
  name: 'messages.send',
  method: 'POST',
  path: '/v1/conversations/:conversationId/messages',
  auth: 'server-or-user',
  summary: 'Send a message (text, attachments, mentions, thread reply, quote); clientMessageId makes retries safe',
  description:
    'A retry with the same clientMessageId returns the first message with 200 instead of 201. System messages need a server key without X-On-Behalf-Of. ' +
    'With sendAt (RFC 3339, in the future, at most 365 days ahead) the message is scheduled instead: 202 with the scheduled message (see /v1/scheduled). ' +
    'ttlSeconds makes it disappear that long after sending (default: the conversation\'s messageTtlSeconds).',
  params: z.object({ conversationId: ConversationId }),
  body: z.strictObject({
    text: z.string().default(''),
    attachments: z.array(z.string().max(64)).max(MAX_ATTACHMENTS).default([]),
    mentions: z.array(UserId).max(50).default([]),
    custom: CustomData.default({}),
    parentId: MessageId.optional(),
    quotedId: MessageId.optional(),
    silent: z.boolean().default(false),
    type: z.enum(['regular', 'system']).default('regular'),
    clientMessageId: z.string().min(1).max(64).optional(),
    ttlSeconds: TtlSeconds.optional(),
    sendAt: z.iso.datetime({ offset: true }).optional(),
  }),
  response: z.union([MessageView, ScheduledMessageView]),
  noStore: true,
  handler: async ({ params, body }, ctx) => {
    // Non-members of a public channel learn they must join (403), not that it does not exist.
    const access = await policyAccess(ctx, params.conversationId, { allowNonMemberChannel: true });
    const { sendAt, ...input } = body;
    if (sendAt !== undefined) return reply(202, toScheduledView(await scheduleMessage(ctx, access, input, sendAt)));
    const { message, created } = await sendMessage(ctx, access, input);
    return reply(created ? 201 : 200, toMessageView(message));
  },
});
