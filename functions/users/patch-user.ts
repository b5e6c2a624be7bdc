import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { patchUser, toUserView, UserId, UserProfileInput, UserView } from './users.ts';

export default defineFunction({
  name: 'users.patch',
  method: 'PATCH',
  path: '/v1/users/:userId',
  auth: 'server-or-user',
  summary: 'Update profile fields; users may update their own name, image and custom data',
  params: z.object({ userId: UserId }),
  body: UserProfileInput,
  response: UserView,
  handler: async ({ params, body }, ctx) => {
    if (ctx.caller.kind === 'user') {
      if (ctx.caller.userId !== params.userId) throw new AppError('FORBIDDEN', 'Users may only update themselves');
      if (body.role !== undefined) throw new AppError('FORBIDDEN', 'Only a server key may change a role');
    }
    return toUserView(await patchUser(ctx, callerAppId(ctx.caller), params.userId, body));
  },
});
