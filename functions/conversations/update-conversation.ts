import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { CustomData } from '../custom-data.ts';
import { TtlSeconds } from '../messages/message-ttl.ts';
import { updateConversation } from './conversation-lifecycle.ts';
import { callerAccess, requireModerator } from './conversations.ts';
import { ConversationId, ConversationView, toConversationView } from './conversation-views.ts';

export default defineFunction({
  name: 'conversations.update',
  method: 'PATCH',
  path: '/v1/conversations/:conversationId',
  auth: 'server-or-user',
  summary: 'Change name, image, custom data, slow mode or disappearing messages (messageTtlSeconds; owners and admins)',
  description: 'messageTtlSeconds applies to messages sent from then on; null turns disappearing messages off.',
  params: z.object({ conversationId: ConversationId }),
  body: z.strictObject({
    name: z.string().min(1).max(256).nullable().optional(),
    image: z.url().max(2048).nullable().optional(),
    custom: CustomData.optional(),
    slowModeSeconds: z.number().int().min(0).max(3600).optional(),
    messageTtlSeconds: TtlSeconds.nullable().optional(),
  }),
  response: ConversationView,
  handler: async ({ params, body }, ctx) => {
    const access = await callerAccess(ctx, params.conversationId);
    requireModerator(access, 'change the conversation');
    return toConversationView(await updateConversation(ctx, access.conversation, access.userId, body), access.member);
  },
});
