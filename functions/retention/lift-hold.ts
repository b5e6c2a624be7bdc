import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { LEGAL_HOLDS } from './legal-holds.ts';

export default defineFunction({
  name: 'legal-holds.lift',
  method: 'DELETE',
  path: '/v1/legal-holds/:holdId',
  auth: 'server',
  summary: 'Lift a legal hold',
  params: z.object({ holdId: z.string().min(1).max(64) }),
  handler: async ({ params }, ctx) => {
    const removed = await ctx.ports.store.collection(LEGAL_HOLDS).deleteOne({ _id: params.holdId, appId: callerAppId(ctx.caller) });
    if (removed === 0) throw new AppError('NOT_FOUND', `Legal hold ${params.holdId} not found`);
  },
});
