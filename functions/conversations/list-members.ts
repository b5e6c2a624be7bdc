import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { callerAccess, MEMBERS, type MemberDoc } from './conversations.ts';
import { ConversationId, MemberView, toMemberView } from './conversation-views.ts';

export default defineFunction({
  name: 'conversations.members.list',
  method: 'GET',
  path: '/v1/conversations/:conversationId/members',
  auth: 'server-or-user',
  summary: "Members with their roles and read/delivery state",
  params: z.object({ conversationId: ConversationId }),
  query: z.strictObject({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    after: z.string().max(128).optional().describe('userId to continue after'),
  }),
  response: z.object({ members: z.array(MemberView), nextCursor: z.string().nullable() }),
  handler: async ({ params, query }, ctx) => {
    await callerAccess(ctx, params.conversationId);
    const rows = await ctx.ports.store
      .collection<MemberDoc>(MEMBERS)
      .find({ conversationId: params.conversationId, ...(query.after ? { userId: { $gt: query.after } } : {}) }, { sort: { userId: 1 }, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return { members: page.map(toMemberView), nextCursor: rows.length > query.limit ? (page.at(-1)?.userId ?? null) : null };
  },
});
