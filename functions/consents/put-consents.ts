import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { requireUser, UserId } from '../users/users.ts';
import { ConsentChange, ConsentView, Purpose, recordConsent, toConsentView } from './consents.ts';

export default defineFunction({
  name: 'consents.put-many',
  method: 'PUT',
  path: '/v1/users/:userId/consents',
  auth: 'server',
  summary: "Record a user's decisions for several purposes at once (one source and policy version)",
  params: z.object({ userId: UserId }),
  body: z.strictObject({
    source: ConsentChange.shape.source,
    policyVersion: ConsentChange.shape.policyVersion,
    purposes: z.record(Purpose, ConsentChange.shape.status).refine((p) => Object.keys(p).length > 0 && Object.keys(p).length <= 50, 'between 1 and 50 purposes'),
  }),
  response: z.object({ consents: z.array(ConsentView) }),
  successStatus: 200,
  handler: async ({ params, body }, ctx) => {
    const appId = callerAppId(ctx.caller);
    await requireUser(ctx.ports.store, appId, params.userId);
    const now = ctx.clock.now();
    const consents = [];
    for (const [purpose, status] of Object.entries(body.purposes).sort(([a], [b]) => a.localeCompare(b))) {
      consents.push(toConsentView(await recordConsent(ctx.ports.store, appId, params.userId, purpose, { status, source: body.source, policyVersion: body.policyVersion }, now)));
    }
    return { consents };
  },
});
