import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { callerAccess } from '../conversations/conversations.ts';
import { editMessage } from './message-changes.ts';
import { requireMessage } from './messages.ts';
import { MessageId, MessageView, toMessageView } from './message-views.ts';

export default defineFunction({
  name: 'messages.edit',
  method: 'PATCH',
  path: '/v1/messages/:messageId',
  auth: 'server-or-user',
  summary: 'Edit a message (author only); the previous text is kept in its edit history',
  params: z.object({ messageId: MessageId }),
  body: z.strictObject({ text: z.string() }),
  response: MessageView,
  handler: async ({ params, body }, ctx) => {
    const message = await requireMessage(ctx.ports.store, callerAppId(ctx.caller), params.messageId);
    const access = await callerAccess(ctx, message.conversationId);
    return toMessageView(await editMessage(ctx, access, message, body.text), [], true);
  },
});
