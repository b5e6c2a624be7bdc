import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { requireUser, toUserView, UserId, UserView } from './users.ts';

export default defineFunction({
  name: 'users.get',
  method: 'GET',
  path: '/v1/users/:userId',
  auth: 'server-or-user',
  summary: 'Read a user of your app',
  params: z.object({ userId: UserId }),
  response: UserView,
  handler: async ({ params }, ctx) => toUserView(await requireUser(ctx.ports.store, callerAppId(ctx.caller), params.userId)),
});
