import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { UserId } from '../users/users.ts';
import { eraseUserContent } from './user-erasure.ts';

export default defineFunction({
  name: 'users.shred',
  method: 'POST',
  path: '/v1/users/:userId/shred',
  auth: 'server',
  summary: "Crypto-shreds the user's data keys: their messages read back erased (text null, erased: true) everywhere; search forgets them",
  params: z.object({ userId: UserId }),
  body: z.strictObject({}).optional(),
  response: z.object({ userId: z.string(), destroyedKeys: z.number(), searchDocumentsRemoved: z.number() }),
  handler: async ({ params }, ctx) => ({ userId: params.userId, ...(await eraseUserContent(ctx, callerAppId(ctx.caller), params.userId)) }),
});
