import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { callerAccess } from '../conversations/conversations.ts';
import { requireMessage } from './messages.ts';
import { ownReactions } from './reactions.ts';
import { MessageId, MessageView, toMessageView, visibleTo } from './message-views.ts';

export default defineFunction({
  name: 'messages.get',
  method: 'GET',
  path: '/v1/messages/:messageId',
  auth: 'server-or-user',
  summary: 'Read one message, with its edit history',
  params: z.object({ messageId: MessageId }),
  response: MessageView,
  handler: async ({ params }, ctx) => {
    const message = await requireMessage(ctx.ports.store, callerAppId(ctx.caller), params.messageId);
    const access = await callerAccess(ctx, message.conversationId, { allowNonMemberChannel: true });
    if (!visibleTo(message, access.userId)) throw new AppError('NOT_FOUND', `Message ${params.messageId} not found`);
    const mine = access.userId ? await ownReactions(ctx, access.userId, [message]) : new Map<string, string[]>();
    return toMessageView(message, mine.get(message._id), true);
  },
});
