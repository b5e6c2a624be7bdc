import { z } from 'zod';
import { defineFunction, reply } from '../../runtime/define-function.ts';
import { ConversationId } from '../conversations/conversation-views.ts';
import { policyAccess } from '../conversations/conversations.ts';
import { CustomData } from '../custom-data.ts';
import { MAX_ATTACHMENTS } from '../media/media-records.ts';
import { UserId } from '../users/users.ts';
import { sendMessage } from './message-sending.ts';
import { MessageId, MessageView, toMessageView } from './message-views.ts';

export default defineFunction({
  name: 'messages.send',
  method: 'POST',
  path: '/v1/conversations/:conversationId/messages',
  auth: 'server-or-user',
  summary: 'Send a message (text, attachments, mentions, thread reply, quote); clientMessageId makes retries safe',
  description: 'A retry with the same clientMessageId returns the first message with 200 instead of 201. System messages need a server key without X-On-Behalf-Of.',
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
  }),
  response: MessageView,
  noStore: true,
  handler: async ({ params, body }, ctx) => {
    // Non-members of a public channel learn they must join (403), not that it does not exist.
    const access = await policyAccess(ctx, params.conversationId, { allowNonMemberChannel: true });
    const { message, created } = await sendMessage(ctx, access, body);
    return reply(created ? 201 : 200, toMessageView(message));
  },
});
