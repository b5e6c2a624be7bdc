import { z } from 'zod';
import { actingUserId, callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction, reply } from '../../runtime/define-function.ts';
import { CustomData } from '../custom-data.ts';
import { TtlSeconds } from '../messages/message-ttl.ts';
import { refuseIfBanned } from '../messages/send-policy.ts';
import { UserId } from '../users/users.ts';
import { createConversation, MAX_INITIAL_MEMBERS } from './conversation-lifecycle.ts';
import { findMember } from './conversations.ts';
import { ConversationView, toConversationView } from './conversation-views.ts';

export default defineFunction({
  name: 'conversations.create',
  method: 'POST',
  path: '/v1/conversations',
  auth: 'server-or-user',
  summary: 'Create a direct (one per pair, idempotent), group or channel conversation',
  description: 'The caller becomes owner of a group or channel. Creating a direct conversation that exists returns it with 200.',
  body: z.strictObject({
    type: z.enum(['direct', 'group', 'channel']),
    memberIds: z.array(UserId).max(MAX_INITIAL_MEMBERS).default([]),
    name: z.string().min(1).max(256).nullable().optional(),
    image: z.url().max(2048).nullable().optional(),
    custom: CustomData.optional(),
    messageTtlSeconds: TtlSeconds.nullable().optional(),
  }),
  response: ConversationView,
  successStatus: 201,
  handler: async ({ body }, ctx) => {
    const userId = actingUserId(ctx.caller);
    await refuseIfBanned(ctx, callerAppId(ctx.caller), userId);
    const { conversation, created } = await createConversation(ctx, callerAppId(ctx.caller), userId, body);
    const member = userId ? await findMember(ctx.ports.store, conversation._id, userId) : null;
    return reply(created ? 201 : 200, toConversationView(conversation, member));
  },
});
