import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { PolicyInput, PolicyView, setPolicy, toPolicyView } from './retention-policies.ts';

export default defineFunction({
  name: 'retention.app.put',
  method: 'PUT',
  path: '/v1/retention',
  auth: 'server',
  summary: "Set the app's retention policy: messages and media older than maxAgeDays are deleted or redacted",
  body: PolicyInput,
  response: PolicyView,
  successStatus: 200,
  handler: async ({ body }, ctx) => toPolicyView(await setPolicy(ctx.ports.store, callerAppId(ctx.caller), null, body, ctx.clock.now())),
});
