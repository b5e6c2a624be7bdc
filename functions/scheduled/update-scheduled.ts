import { z } from 'zod';
import { actingUserId, callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { CustomData } from '../custom-data.ts';
import { MAX_ATTACHMENTS } from '../media/media-records.ts';
import { TtlSeconds } from '../messages/message-ttl.ts';
import { UserId } from '../users/users.ts';
import { ScheduledId } from './scheduled.ts';
import { ScheduledMessageView, toScheduledView } from './scheduled-views.ts';
import { updateScheduled } from './scheduling.ts';

export default defineFunction({
  name: 'scheduled.update',
  method: 'PATCH',
  path: '/v1/scheduled/:scheduledId',
  auth: 'server-or-user',
  summary: 'Edit a scheduled message before it is sent (text, attachments, mentions, custom, silent, ttlSeconds, sendAt)',
  description: 'Only while waiting (409 once being sent or sent). A failed one is scheduled again with a new sendAt.',
  params: z.object({ scheduledId: ScheduledId }),
  body: z.strictObject({
    text: z.string().optional(),
    attachments: z.array(z.string().max(64)).max(MAX_ATTACHMENTS).optional(),
    mentions: z.array(UserId).max(50).optional(),
    custom: CustomData.optional(),
    silent: z.boolean().optional(),
    ttlSeconds: TtlSeconds.nullable().optional(),
    sendAt: z.iso.datetime({ offset: true }).optional(),
  }),
  response: ScheduledMessageView,
  handler: async ({ params, body }, ctx) =>
    toScheduledView(await updateScheduled(ctx, callerAppId(ctx.caller), actingUserId(ctx.caller), params.scheduledId, body)),
});
