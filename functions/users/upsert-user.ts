import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction, reply } from '../../runtime/define-function.ts';
import { toUserView, upsertUser, UserId, UserProfileInput, UserView } from './users.ts';

export default defineFunction({
  name: 'users.upsert',
  method: 'PUT',
  path: '/v1/users/:userId',
  auth: 'server',
  summary: 'Create a user or update the given profile fields (201 when created, 200 when updated)',
  params: z.object({ userId: UserId }),
  body: UserProfileInput,
  response: UserView,
  handler: async ({ params, body }, ctx) => {
    const { user, created } = await upsertUser(ctx, callerAppId(ctx.caller), params.userId, body);
    return reply(created ? 201 : 200, toUserView(user));
  },
});
