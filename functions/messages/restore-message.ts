import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { callerAccess } from '../conversations/conversations.ts';
import { restoreVersion } from './message-restore.ts';
import { requireMessage } from './messages.ts';
import { MessageId, MessageView, toMessageView } from './message-views.ts';

export default defineFunction({
  name: 'messages.restore',
  method: 'POST',
  path: '/v1/messages/:messageId/restore',
  auth: 'server-or-user',
  summary: 'Restore a previous version of an edited message (author only): an edit back to that text',
  description: 'version 1 is the text as first sent (edits[0]), version k is edits[k-1]; the current text is version edits.length + 1 (restoring it changes nothing).',
  params: z.object({ messageId: MessageId }),
  body: z.strictObject({ version: z.number().int().min(1) }),
  response: MessageView,
  successStatus: 200,
  handler: async ({ params, body }, ctx) => {
    const message = await requireMessage(ctx.ports.store, callerAppId(ctx.caller), params.messageId);
    const access = await callerAccess(ctx, message.conversationId);
    return toMessageView(await restoreVersion(ctx, access, message, body.version), [], true);
  },
});
