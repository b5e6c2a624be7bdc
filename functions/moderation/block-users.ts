import { z } from 'zod';
import { actingUserId, callerAppId } from '../../runtime/auth/authenticate.ts';
import type { FunctionContext } from '../../runtime/context.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { requireUsersExist } from '../conversations/conversation-lifecycle.ts';
import { UserId } from '../users/users.ts';
import { block, listBlocked, unblock } from './blocks.ts';

function me(ctx: FunctionContext): string {
  const userId = actingUserId(ctx.caller);
  if (!userId) throw new AppError('BAD_REQUEST', 'Block lists belong to a user: use a user token or X-On-Behalf-Of');
  return userId;
}

export const blockUserFunction = defineFunction({
  name: 'moderation.blocks.add',
  method: 'PUT',
  path: '/v1/me/blocks/:userId',
  auth: 'server-or-user',
  summary: 'Block a user: no direct messages between you, either way',
  params: z.object({ userId: UserId }),
  handler: async ({ params }, ctx) => {
    const blocker = me(ctx);
    if (blocker === params.userId) throw new AppError('BAD_REQUEST', 'You cannot block yourself');
    await requireUsersExist(ctx, callerAppId(ctx.caller), [params.userId]);
    await block(ctx, callerAppId(ctx.caller), blocker, params.userId);
  },
});

export const unblockUserFunction = defineFunction({
  name: 'moderation.blocks.remove',
  method: 'DELETE',
  path: '/v1/me/blocks/:userId',
  auth: 'server-or-user',
  summary: 'Unblock a user',
  params: z.object({ userId: UserId }),
  handler: async ({ params }, ctx) => {
    if (!(await unblock(ctx, callerAppId(ctx.caller), me(ctx), params.userId))) throw new AppError('NOT_FOUND', `${params.userId} is not blocked`);
  },
});

export const listBlocksFunction = defineFunction({
  name: 'moderation.blocks.list',
  method: 'GET',
  path: '/v1/me/blocks',
  auth: 'server-or-user',
  summary: 'Users you have blocked',
  response: z.object({ blocked: z.array(z.object({ userId: z.string(), createdAt: z.number() })) }),
  handler: async (_input, ctx) => ({
    blocked: (await listBlocked(ctx, callerAppId(ctx.caller), me(ctx))).map((entry) => ({ userId: entry.blockedId, createdAt: entry.createdAt })),
  }),
});

export default blockUserFunction;
