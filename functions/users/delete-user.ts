import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { deleteUser, UserId } from './users.ts';

export default defineFunction({
  name: 'users.delete',
  method: 'DELETE',
  path: '/v1/users/:userId',
  auth: 'server',
  summary: 'Delete a user; their tokens stop working at once',
  params: z.object({ userId: UserId }),
  handler: async ({ params }, ctx) => {
    await deleteUser(ctx, callerAppId(ctx.caller), params.userId);
  },
});
