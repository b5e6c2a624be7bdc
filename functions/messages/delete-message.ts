import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { callerAccess } from '../conversations/conversations.ts';
import { deleteMessage } from './message-changes.ts';
import { requireMessage } from './messages.ts';
import { MessageId } from './message-views.ts';

export default defineFunction({
  name: 'messages.delete',
  method: 'DELETE',
  path: '/v1/messages/:messageId',
  auth: 'server-or-user',
  summary: 'Delete a message: a tombstone by default (author or moderators); hard=true removes it entirely (moderators)',
  params: z.object({ messageId: MessageId }),
  query: z.strictObject({ hard: z.enum(['true', 'false']).default('false').transform((value) => value === 'true') }),
  handler: async ({ params, query }, ctx) => {
    const message = await requireMessage(ctx.ports.store, callerAppId(ctx.caller), params.messageId);
    const access = await callerAccess(ctx, message.conversationId);
    await deleteMessage(ctx, access, message, query.hard);
  },
});
