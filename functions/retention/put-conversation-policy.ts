import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { findConversation } from '../conversations/conversations.ts';
import { PolicyInput, PolicyView, setPolicy, toPolicyView } from './retention-policies.ts';

export default defineFunction({
  name: 'retention.conversation.put',
  method: 'PUT',
  path: '/v1/conversations/:conversationId/retention',
  auth: 'server',
  summary: "Set one conversation's retention policy (overrides the app's)",
  params: z.object({ conversationId: z.string().min(1).max(64) }),
  body: PolicyInput,
  response: PolicyView,
  successStatus: 200,
  handler: async ({ params, body }, ctx) => {
    const appId = callerAppId(ctx.caller);
    if (!(await findConversation(ctx.ports.store, appId, params.conversationId))) throw new AppError('NOT_FOUND', `Conversation ${params.conversationId} not found`);
    return toPolicyView(await setPolicy(ctx.ports.store, appId, params.conversationId, body, ctx.clock.now()));
  },
});
