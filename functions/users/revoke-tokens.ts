import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { revokeTokens, UserId } from './users.ts';

export default defineFunction({
  name: 'users.tokens.revoke',
  method: 'POST',
  path: '/v1/users/:userId/tokens/revoke',
  auth: 'server',
  summary: "Revoke every token issued to the user so far",
  params: z.object({ userId: UserId }),
  response: z.object({ tokenVersion: z.number() }),
  handler: async ({ params }, ctx) => ({ tokenVersion: await revokeTokens(ctx, callerAppId(ctx.caller), params.userId) }),
});
