import { z } from 'zod';
import { actingUserId, callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { accessConversation, callerAccess } from '../conversations/conversations.ts';
import { deleteMessage } from '../messages/message-changes.ts';
import { MessageId } from '../messages/message-views.ts';
import { requireMessage } from '../messages/messages.ts';
import { banUser } from './bans.ts';
import { FLAGS, flagMessage, resolveFlag, toFlagView, type FlagDoc } from './flags.ts';

const FlagView = z.object({
  id: z.string(),
  messageId: z.string(),
  conversationId: z.string(),
  reporterId: z.string().nullable(),
  reason: z.string(),
  status: z.enum(['open', 'dismissed', 'actioned']),
  createdAt: z.number(),
  resolvedAt: z.number().nullable(),
  resolution: z.string().nullable(),
});

export const flagMessageFunction = defineFunction({
  name: 'moderation.flags.create',
  method: 'POST',
  path: '/v1/messages/:messageId/flags',
  auth: 'server-or-user',
  summary: 'Report a message to the moderators (once per reporter)',
  params: z.object({ messageId: MessageId }),
  body: z.strictObject({ reason: z.string().min(1).max(500) }),
  response: FlagView,
  successStatus: 201,
  handler: async ({ params, body }, ctx) => {
    const message = await requireMessage(ctx.ports.store, callerAppId(ctx.caller), params.messageId);
    await callerAccess(ctx, message.conversationId, { allowNonMemberChannel: true });
    const flag = await flagMessage(ctx, {
      appId: message.appId,
      messageId: message._id,
      conversationId: message.conversationId,
      reporterId: actingUserId(ctx.caller),
      reason: body.reason,
    });
    return toFlagView(flag);
  },
});

export const listFlagsFunction = defineFunction({
  name: 'moderation.flags.list',
  method: 'GET',
  path: '/v1/moderation/flags',
  auth: 'server',
  summary: 'The review queue: flags by status, oldest first',
  query: z.strictObject({
    status: z.enum(['open', 'dismissed', 'actioned']).default('open'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  }),
  response: z.object({ flags: z.array(FlagView) }),
  handler: async ({ query }, ctx) => {
    const flags = await ctx.ports.store
      .collection<FlagDoc>(FLAGS)
      .find({ appId: callerAppId(ctx.caller), status: query.status }, { sort: { createdAt: 1 }, limit: query.limit });
    return { flags: flags.map(toFlagView) };
  },
});

export const resolveFlagFunction = defineFunction({
  name: 'moderation.flags.resolve',
  method: 'POST',
  path: '/v1/moderation/flags/:flagId/resolve',
  auth: 'server',
  summary: 'Close a flag: dismiss it, delete the message, or ban its author',
  params: z.object({ flagId: z.string().regex(/^flag_[0-9a-z]{26}$/, 'must be a flag id (flag_…)') }),
  body: z.strictObject({ action: z.enum(['dismiss', 'delete_message', 'ban_author']), note: z.string().max(500).optional() }),
  response: FlagView,
  handler: async ({ params, body }, ctx) => {
    const appId = callerAppId(ctx.caller);
    const open = await ctx.ports.store.collection<FlagDoc>(FLAGS).findOne({ _id: params.flagId, appId });
    if (!open) throw new AppError('NOT_FOUND', `Flag ${params.flagId} not found`);
    if (body.action !== 'dismiss') {
      const message = await requireMessage(ctx.ports.store, appId, open.messageId);
      if (body.action === 'delete_message') {
        const access = await accessConversation(ctx.ports.store, ctx.caller, appId, null, message.conversationId);
        if (message.deletedAt === null) await deleteMessage(ctx, access, message, false);
      } else if (message.authorId) {
        await banUser(ctx, appId, message.authorId, { reason: body.note ?? `flag ${open._id}` });
      }
    }
    const resolution = body.note ? `${body.action}: ${body.note}` : body.action;
    return toFlagView(await resolveFlag(ctx, appId, params.flagId, body.action === 'dismiss' ? 'dismissed' : 'actioned', resolution));
  },
});

export default flagMessageFunction;
