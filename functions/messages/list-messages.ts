import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { ConversationId } from '../conversations/conversation-views.ts';
import { callerAccess } from '../conversations/conversations.ts';
import { messagePage } from './history.ts';
import { MessageView } from './message-views.ts';

export const Cursor = z.coerce.number({ error: 'must be a sequence number' }).int().min(0);

export const HistoryPageView = z.object({ messages: z.array(MessageView), prevCursor: z.number().nullable(), nextCursor: z.number().nullable() });

export default defineFunction({
  name: 'messages.list',
  method: 'GET',
  path: '/v1/conversations/:conversationId/messages',
  auth: 'server-or-user',
  summary: 'History by sequence: newest first page by default, `before` pages back, `after` pages forward',
  params: z.object({ conversationId: ConversationId }),
  query: z.strictObject({
    before: Cursor.optional(),
    after: Cursor.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  }),
  response: HistoryPageView,
  handler: async ({ params, query }, ctx) => {
    const access = await callerAccess(ctx, params.conversationId, { allowNonMemberChannel: true });
    return messagePage(ctx, { conversationId: params.conversationId, parentId: null }, access.userId, query);
  },
});
