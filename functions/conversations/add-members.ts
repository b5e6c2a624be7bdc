import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { UserId } from '../users/users.ts';
import { addMembers } from './conversation-lifecycle.ts';
import { callerAccess, requireModerator } from './conversations.ts';
import { ConversationId, MemberView, toMemberView } from './conversation-views.ts';

export default defineFunction({
  name: 'conversations.members.add',
  method: 'POST',
  path: '/v1/conversations/:conversationId/members',
  auth: 'server-or-user',
  summary: 'Add members (owners and admins; only owners may add admins)',
  params: z.object({ conversationId: ConversationId }),
  body: z.strictObject({ userIds: z.array(UserId).min(1).max(100), role: z.enum(['admin', 'member']).default('member') }),
  response: z.object({ added: z.array(MemberView) }),
  handler: async ({ params, body }, ctx) => {
    const access = await callerAccess(ctx, params.conversationId);
    requireModerator(access, 'add members');
    if (body.role === 'admin' && !access.isOwner) throw new AppError('FORBIDDEN', 'Only owners may add admins');
    const added = await addMembers(ctx, access.conversation, access.userId, body.userIds, body.role);
    return { added: added.map(toMemberView) };
  },
});
