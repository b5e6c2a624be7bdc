import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { callerAccess, requireMember } from './conversations.ts';
import { ConversationId, MemberView, toMemberView } from './conversation-views.ts';
import { markDelivered, markRead, unreadCount } from './receipts.ts';

export const markReadFunction = defineFunction({
  name: 'conversations.read',
  method: 'POST',
  path: '/v1/conversations/:conversationId/read',
  auth: 'server-or-user',
  summary: 'Mark read up to a sequence (default: everything); others see it as a read event',
  params: z.object({ conversationId: ConversationId }),
  body: z.strictObject({ seq: z.number().int().min(0).optional() }),
  response: MemberView.extend({ unreadCount: z.number() }),
  handler: async ({ params, body }, ctx) => {
    const member = await markRead(ctx, requireMember(await callerAccess(ctx, params.conversationId)), body.seq);
    return { ...toMemberView(member), unreadCount: await unreadCount(ctx, member) };
  },
});

export const markDeliveredFunction = defineFunction({
  name: 'conversations.delivered',
  method: 'POST',
  path: '/v1/conversations/:conversationId/delivered',
  auth: 'server-or-user',
  summary: 'Acknowledge delivery up to a sequence',
  params: z.object({ conversationId: ConversationId }),
  body: z.strictObject({ seq: z.number().int().min(0) }),
  response: MemberView,
  handler: async ({ params, body }, ctx) =>
    toMemberView(await markDelivered(ctx, requireMember(await callerAccess(ctx, params.conversationId)), body.seq)),
});

export default markReadFunction;
