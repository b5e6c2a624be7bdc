import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { newId } from '../../runtime/ids.ts';
import { HoldInput, HoldView, LEGAL_HOLDS, toHoldView, type HoldDoc } from './legal-holds.ts';

export default defineFunction({
  name: 'legal-holds.place',
  method: 'POST',
  path: '/v1/legal-holds',
  auth: 'server',
  summary: 'Place a legal hold on a user or a conversation: retention and erasure leave what it covers alone',
  body: HoldInput,
  successStatus: 201,
  response: HoldView,
  handler: async ({ body }, ctx) => {
    const now = ctx.clock.now();
    const hold: HoldDoc = { _id: newId('hold', now), appId: callerAppId(ctx.caller), ...body, placedAt: now };
    return toHoldView(await ctx.ports.store.collection<HoldDoc>(LEGAL_HOLDS).insertOne(hold));
  },
});
