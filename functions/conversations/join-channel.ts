import { z } from 'zod';
import { refuseIfBanned } from '../messages/send-policy.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { addMembers } from './conversation-lifecycle.ts';
import { callerAccess, findMember } from './conversations.ts';
import { ConversationId, MemberView, toMemberView } from './conversation-views.ts';

export default defineFunction({
  name: 'conversations.join',
  method: 'POST',
  path: '/v1/conversations/:conversationId/join',
  auth: 'server-or-user',
  summary: 'Join a public channel',
  params: z.object({ conversationId: ConversationId }),
  response: MemberView,
  handler: async ({ params }, ctx) => {
    const access = await callerAccess(ctx, params.conversationId, { allowNonMemberChannel: true });
    if (access.userId === null) throw new AppError('BAD_REQUEST', 'Joining needs a user: use a user token or X-On-Behalf-Of');
    if (access.conversation.type !== 'channel') throw new AppError('FORBIDDEN', 'Only channels can be joined; ask an admin to add you');
    if (access.member) return toMemberView(access.member);
    await refuseIfBanned(ctx, access.conversation.appId, access.userId);
    await addMembers(ctx, access.conversation, access.userId, [access.userId]);
    return toMemberView((await findMember(ctx.ports.store, params.conversationId, access.userId))!);
  },
});
