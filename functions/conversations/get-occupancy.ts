import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { ConversationId } from './conversation-views.ts';
import { callerAccess } from './conversations.ts';
import { occupancyOf } from './occupancy.ts';

export default defineFunction({
  name: 'conversations.occupancy',
  method: 'GET',
  path: '/v1/conversations/:conversationId/occupancy',
  auth: 'server-or-user',
  summary: 'How many members are online now (a live realtime connection, online or away)',
  description: 'Members may ask, and anyone in the app for a channel. Counts of conversations over 200 members are refreshed at most every 10 s.',
  params: z.object({ conversationId: ConversationId }),
  response: z.object({ online: z.number().int().min(0) }),
  handler: async ({ params }, ctx) => {
    const access = await callerAccess(ctx, params.conversationId, { allowNonMemberChannel: true });
    return { online: await occupancyOf(ctx, access.conversation) };
  },
});
