import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { policies, PolicyView, toPolicyView } from './retention-policies.ts';

export default defineFunction({
  name: 'retention.get',
  method: 'GET',
  path: '/v1/retention',
  auth: 'server',
  summary: "The app's retention policy and every conversation's own",
  response: z.object({ app: PolicyView.nullable(), conversations: z.array(PolicyView) }),
  handler: async (_input, ctx) => {
    const all = await policies(ctx.ports.store).find({ appId: callerAppId(ctx.caller) }, { sort: { _id: 1 } });
    const app = all.find((p) => p.conversationId === null);
    return { app: app ? toPolicyView(app) : null, conversations: all.filter((p) => p.conversationId !== null).map(toPolicyView) };
  },
});
