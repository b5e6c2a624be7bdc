import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { requireUser, UserId } from '../users/users.ts';
import { consentHistory, ConsentView, Purpose, toConsentView } from './consents.ts';

export default defineFunction({
  name: 'consents.get',
  method: 'GET',
  path: '/v1/users/:userId/consents/:purpose',
  auth: 'server',
  summary: "A user's current consent for one purpose and its history",
  params: z.object({ userId: UserId, purpose: Purpose }),
  response: z.object({ consent: ConsentView, history: z.array(ConsentView) }),
  handler: async ({ params }, ctx) => {
    const appId = callerAppId(ctx.caller);
    await requireUser(ctx.ports.store, appId, params.userId);
    const history = await consentHistory(ctx.ports.store, appId, params.userId, params.purpose);
    const latest = history.at(-1);
    if (!latest) throw new AppError('NOT_FOUND', `No consent recorded for purpose ${params.purpose}`);
    return { consent: toConsentView(latest), history: history.map(toConsentView) };
  },
});
