import { z } from 'zod';
import { actingUserId, callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { listMyConversations } from './conversation-list.ts';
import { ConversationView } from './conversation-views.ts';

export default defineFunction({
  name: 'conversations.list',
  method: 'GET',
  path: '/v1/conversations',
  auth: 'server-or-user',
  summary: 'My conversations, most recent activity first, with unread counts and the last message',
  query: z.strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(30),
    cursor: z.string().max(512).optional(),
    archived: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
    type: z.enum(['direct', 'group', 'channel']).optional(),
  }),
  response: z.object({ conversations: z.array(ConversationView), nextCursor: z.string().nullable(), totalUnread: z.number() }),
  handler: async ({ query }, ctx) => {
    const userId = actingUserId(ctx.caller);
    if (!userId) throw new AppError('BAD_REQUEST', 'Listing conversations needs a user: use a user token or X-On-Behalf-Of');
    return listMyConversations(ctx, callerAppId(ctx.caller), userId, query);
  },
});
