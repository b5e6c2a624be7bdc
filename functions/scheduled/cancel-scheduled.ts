import { z } from 'zod';
import { actingUserId, callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { ScheduledId } from './scheduled.ts';
import { cancelScheduled } from './scheduling.ts';

export default defineFunction({
  name: 'scheduled.cancel',
  method: 'DELETE',
  path: '/v1/scheduled/:scheduledId',
  auth: 'server-or-user',
  summary: 'Cancel a scheduled message before it is sent (409 once being sent or sent)',
  params: z.object({ scheduledId: ScheduledId }),
  handler: async ({ params }, ctx) => {
    await cancelScheduled(ctx, callerAppId(ctx.caller), actingUserId(ctx.caller), params.scheduledId);
  },
});
