import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { UserId } from '../users/users.ts';
import { updateMember } from './conversation-lifecycle.ts';
import { callerAccess, requireModerator } from './conversations.ts';
import { ConversationId, MemberView, toMemberView } from './conversation-views.ts';

export default defineFunction({
  name: 'conversations.members.update',
  method: 'PATCH',
  path: '/v1/conversations/:conversationId/members/:userId',
  auth: 'server-or-user',
  summary: "Change a member's role (owners) or mute them until a time (owners and admins)",
  params: z.object({ conversationId: ConversationId, userId: UserId }),
  body: z.strictObject({
    role: z.enum(['owner', 'admin', 'member']).optional(),
    mutedUntil: z.number().int().min(0).nullable().optional().describe('epoch ms; null unmutes'),
  }),
  response: MemberView,
  handler: async ({ params, body }, ctx) => {
    const access = await callerAccess(ctx, params.conversationId);
    requireModerator(access, 'change members');
    if (body.role !== undefined && !access.isOwner) throw new AppError('FORBIDDEN', 'Only owners may change roles');
    if (access.conversation.type === 'direct') throw new AppError('BAD_REQUEST', 'Direct conversations have no roles');
    return toMemberView(await updateMember(ctx, access.conversation, access.userId, params.userId, body));
  },
});
