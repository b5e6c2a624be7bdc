import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { requireUser, UserId } from '../users/users.ts';
import { consentHistory, ConsentView, currentConsents, toConsentView } from './consents.ts';

export default defineFunction({
  name: 'consents.list',
  method: 'GET',
  path: '/v1/users/:userId/consents',
  auth: 'server',
  summary: "A user's current consent per purpose and the full history of decisions",
  params: z.object({ userId: UserId }),
  response: z.object({ consents: z.array(ConsentView), history: z.array(ConsentView) }),
  handler: async ({ params }, ctx) => {
    const appId = callerAppId(ctx.caller);
    await requireUser(ctx.ports.store, appId, params.userId);
    const history = await consentHistory(ctx.ports.store, appId, params.userId);
    return { consents: currentConsents(history).map(toConsentView), history: history.map(toConsentView) };
  },
});
