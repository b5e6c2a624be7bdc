import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { ConversationId } from '../conversations/conversation-views.ts';
import { callerAccess } from '../conversations/conversations.ts';
import { setPinned } from './message-changes.ts';
import { MESSAGES, requireMessage, type MessageDoc } from './messages.ts';
import { MessageId, MessageView, toMessageView, visibleTo } from './message-views.ts';

const pinFunction = (pinned: boolean) =>
  defineFunction({
    name: pinned ? 'messages.pin' : 'messages.unpin',
    method: pinned ? 'PUT' : 'DELETE',
    path: '/v1/messages/:messageId/pin',
    auth: 'server-or-user',
    summary: pinned ? 'Pin a message (owners and admins; either member of a direct conversation)' : 'Unpin a message',
    params: z.object({ messageId: MessageId }),
    response: MessageView,
    handler: async ({ params }, ctx) => {
      const message = await requireMessage(ctx.ports.store, callerAppId(ctx.caller), params.messageId);
      return toMessageView(await setPinned(ctx, await callerAccess(ctx, message.conversationId), message, pinned));
    },
  });

export const pinMessageFunction = pinFunction(true);
export const unpinMessageFunction = pinFunction(false);

export const listPinsFunction = defineFunction({
  name: 'messages.pins',
  method: 'GET',
  path: '/v1/conversations/:conversationId/pins',
  auth: 'server-or-user',
  summary: 'Pinned messages, most recently pinned first',
  params: z.object({ conversationId: ConversationId }),
  response: z.object({ messages: z.array(MessageView) }),
  handler: async ({ params }, ctx) => {
    const access = await callerAccess(ctx, params.conversationId, { allowNonMemberChannel: true });
    const pinned = await ctx.ports.store
      .collection<MessageDoc>(MESSAGES)
      .find({ conversationId: params.conversationId, pinnedAt: { $ne: null } }, { sort: { pinnedAt: -1 }, limit: 100 });
    return { messages: pinned.filter((message) => visibleTo(message, access.userId)).map((message) => toMessageView(message)) };
  },
});

export default pinMessageFunction;
