import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { callerAccess } from './conversations.ts';
import { ConversationId, ConversationView, toConversationView } from './conversation-views.ts';
import { unreadCount } from './receipts.ts';

export default defineFunction({
  name: 'conversations.get',
  method: 'GET',
  path: '/v1/conversations/:conversationId',
  auth: 'server-or-user',
  summary: 'Read a conversation (members, and anyone for public channels)',
  params: z.object({ conversationId: ConversationId }),
  response: ConversationView,
  handler: async ({ params }, ctx) => {
    const access = await callerAccess(ctx, params.conversationId, { allowNonMemberChannel: true });
    const unread = access.member ? await unreadCount(ctx, access.member) : undefined;
    return toConversationView(access.conversation, access.member, unread);
  },
});
