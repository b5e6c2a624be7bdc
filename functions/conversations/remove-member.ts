import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { UserId } from '../users/users.ts';
import { removeMember } from './conversation-lifecycle.ts';
import { callerAccess, findMember } from './conversations.ts';
import { ConversationId } from './conversation-views.ts';

export default defineFunction({
  name: 'conversations.members.remove',
  method: 'DELETE',
  path: '/v1/conversations/:conversationId/members/:userId',
  auth: 'server-or-user',
  summary: 'Remove a member, or leave (remove yourself)',
  description: 'Owners may remove anyone but themselves while they are the last owner; admins may remove members.',
  params: z.object({ conversationId: ConversationId, userId: UserId }),
  handler: async ({ params }, ctx) => {
    const access = await callerAccess(ctx, params.conversationId);
    const target = await findMember(ctx.ports.store, params.conversationId, params.userId);
    if (!target) throw new AppError('NOT_FOUND', `${params.userId} is not a member of this conversation`);
    const leaving = access.userId === params.userId;
    if (!leaving) {
      if (!access.isModerator) throw new AppError('FORBIDDEN', 'Only owners and admins may remove members');
      if (target.role !== 'member' && !access.isOwner) throw new AppError('FORBIDDEN', 'Only owners may remove admins and owners');
    }
    await removeMember(ctx, access.conversation, access.userId, params.userId);
  },
});
