import { defineFunction } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { requireUser, toUserView, UserView } from './users.ts';

export default defineFunction({
  name: 'users.me',
  method: 'GET',
  path: '/v1/me',
  auth: 'user',
  summary: 'Read the user the token belongs to',
  response: UserView,
  handler: async (_input, ctx) => {
    if (ctx.caller.kind !== 'user') throw new AppError('FORBIDDEN', 'Needs a user token');
    return toUserView(await requireUser(ctx.ports.store, ctx.caller.appId, ctx.caller.userId));
  },
});
