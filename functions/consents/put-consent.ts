import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { requireUser, UserId } from '../users/users.ts';
import { ConsentChange, ConsentView, Purpose, recordConsent, toConsentView } from './consents.ts';

export default defineFunction({
  name: 'consents.put',
  method: 'PUT',
  path: '/v1/users/:userId/consents/:purpose',
  auth: 'server',
  summary: "Record a user's consent decision for one purpose (granted or withdrawn); the history is kept",
  params: z.object({ userId: UserId, purpose: Purpose }),
  body: ConsentChange,
  response: ConsentView,
  successStatus: 200,
  handler: async ({ params, body }, ctx) => {
    const appId = callerAppId(ctx.caller);
    await requireUser(ctx.ports.store, appId, params.userId);
    return toConsentView(await recordConsent(ctx.ports.store, appId, params.userId, params.purpose, body, ctx.clock.now()));
  },
});
