import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { ConversationId } from '../conversations/conversation-views.ts';
import { callerAccess } from '../conversations/conversations.ts';
import { SCHEDULED_MESSAGES, type ScheduledDoc } from './scheduled.ts';
import { ScheduledMessageView, toScheduledView } from './scheduled-views.ts';

export default defineFunction({
  name: 'scheduled.list',
  method: 'GET',
  path: '/v1/conversations/:conversationId/scheduled',
  auth: 'server-or-user',
  summary: "The caller's scheduled messages in a conversation, by sendAt (waiting, being sent, sent and failed)",
  description: 'A user sees their own; a server key acting as the app sees every scheduled message of the conversation.',
  params: z.object({ conversationId: ConversationId }),
  query: z.strictObject({
    status: z.enum(['scheduled', 'sending', 'sent', 'failed']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(100),
  }),
  response: z.object({ scheduled: z.array(ScheduledMessageView) }),
  handler: async ({ params, query }, ctx) => {
    const access = await callerAccess(ctx, params.conversationId, { allowNonMemberChannel: true });
    const filter = {
      conversationId: access.conversation._id,
      ...(access.userId === null ? {} : { authorId: access.userId }),
      ...(query.status ? { status: query.status } : {}),
    };
    const docs = await ctx.ports.store.collection<ScheduledDoc>(SCHEDULED_MESSAGES).find(filter, { sort: { sendAt: 1 }, limit: query.limit });
    return { scheduled: docs.map(toScheduledView) };
  },
});
