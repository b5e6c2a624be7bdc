import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { HoldView, LEGAL_HOLDS, toHoldView, type HoldDoc } from './legal-holds.ts';

export default defineFunction({
  name: 'legal-holds.list',
  method: 'GET',
  path: '/v1/legal-holds',
  auth: 'server',
  summary: "The app's legal holds in force",
  response: z.object({ holds: z.array(HoldView) }),
  handler: async (_input, ctx) => ({
    holds: (await ctx.ports.store.collection<HoldDoc>(LEGAL_HOLDS).find({ appId: callerAppId(ctx.caller) }, { sort: { placedAt: 1 } })).map(toHoldView),
  }),
});
