import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction, reply } from '../../runtime/define-function.ts';
import { callerAccess } from '../conversations/conversations.ts';
import { requireMessage } from './messages.ts';
import { addReaction, listReactions, ReactionKey, removeReaction } from './reactions.ts';
import { MessageId } from './message-views.ts';

const Params = z.object({ messageId: MessageId, emoji: ReactionKey });

export const addReactionFunction = defineFunction({
  name: 'messages.reactions.add',
  method: 'PUT',
  path: '/v1/messages/:messageId/reactions/:emoji',
  auth: 'server-or-user',
  summary: 'React with one emoji or short code (one reaction per user per emoji; repeating is a no-op)',
  params: Params,
  response: z.object({ added: z.boolean() }),
  handler: async ({ params }, ctx) => {
    const message = await requireMessage(ctx.ports.store, callerAppId(ctx.caller), params.messageId);
    const added = await addReaction(ctx, await callerAccess(ctx, message.conversationId), message, params.emoji);
    return reply(added ? 201 : 200, { added });
  },
});

export const removeReactionFunction = defineFunction({
  name: 'messages.reactions.remove',
  method: 'DELETE',
  path: '/v1/messages/:messageId/reactions/:emoji',
  auth: 'server-or-user',
  summary: 'Remove your reaction',
  params: Params,
  handler: async ({ params }, ctx) => {
    const message = await requireMessage(ctx.ports.store, callerAppId(ctx.caller), params.messageId);
    await removeReaction(ctx, await callerAccess(ctx, message.conversationId), message, params.emoji);
  },
});

export const listReactionsFunction = defineFunction({
  name: 'messages.reactions.list',
  method: 'GET',
  path: '/v1/messages/:messageId/reactions',
  auth: 'server-or-user',
  summary: 'Who reacted, oldest first, optionally for one emoji',
  params: z.object({ messageId: MessageId }),
  query: z.strictObject({ emoji: ReactionKey.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
  response: z.object({ reactions: z.array(z.object({ userId: z.string(), emoji: z.string(), createdAt: z.number() })) }),
  handler: async ({ params, query }, ctx) => {
    const message = await requireMessage(ctx.ports.store, callerAppId(ctx.caller), params.messageId);
    await callerAccess(ctx, message.conversationId, { allowNonMemberChannel: true });
    const reactions = await listReactions(ctx, message._id, query.emoji, query.limit);
    return { reactions: reactions.map((reaction) => ({ userId: reaction.userId, emoji: reaction.emoji, createdAt: reaction.createdAt })) };
  },
});

export default addReactionFunction;
