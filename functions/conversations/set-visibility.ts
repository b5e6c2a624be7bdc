import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { callerAccess, MEMBERS, memberKey, requireMember, type MemberDoc } from './conversations.ts';
import { ConversationId } from './conversation-views.ts';
import { memberHid } from './hidden-members.ts';

export default defineFunction({
  name: 'conversations.visibility',
  method: 'PUT',
  path: '/v1/conversations/:conversationId/visibility',
  auth: 'server-or-user',
  summary: 'Hide (until the next message) or archive (until unarchived) a conversation, for yourself only',
  params: z.object({ conversationId: ConversationId }),
  body: z.strictObject({ hidden: z.boolean().optional(), archived: z.boolean().optional() }),
  response: z.object({ hidden: z.boolean(), archived: z.boolean() }),
  handler: async ({ params, body }, ctx) => {
    const member = requireMember(await callerAccess(ctx, params.conversationId));
    const changes = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
    // Private to the member: no event, nobody else learns of it.
    const updated = await ctx.ports.store
      .collection<MemberDoc>(MEMBERS)
      .findOneAndUpdate({ _id: memberKey(params.conversationId, member.userId) }, { $set: changes }, { returnDocument: 'after' });
    if (body.hidden === true) await memberHid(ctx, params.conversationId);
    return { hidden: updated?.hidden ?? member.hidden, archived: updated?.archived ?? member.archived };
  },
});
