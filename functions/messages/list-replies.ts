import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { callerAccess } from '../conversations/conversations.ts';
import { messagePage } from './history.ts';
import { Cursor, HistoryPageView } from './list-messages.ts';
import { requireMessage } from './messages.ts';
import { MessageId } from './message-views.ts';

export default defineFunction({
  name: 'messages.replies',
  method: 'GET',
  path: '/v1/messages/:messageId/replies',
  auth: 'server-or-user',
  summary: 'A thread: the replies to a message, by sequence',
  params: z.object({ messageId: MessageId }),
  query: z.strictObject({ before: Cursor.optional(), after: Cursor.optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }),
  response: HistoryPageView,
  handler: async ({ params, query }, ctx) => {
    const parent = await requireMessage(ctx.ports.store, callerAppId(ctx.caller), params.messageId);
    const access = await callerAccess(ctx, parent.conversationId, { allowNonMemberChannel: true });
    return messagePage(ctx, { conversationId: parent.conversationId, parentId: parent._id }, access.userId, query);
  },
});
