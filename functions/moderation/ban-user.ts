import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { UserId } from '../users/users.ts';
import { announceAccessChange } from '../users/access-changes.ts';
import { banUser, banView, unbanUser } from './bans.ts';

const BanView = z.object({
  userId: z.string(),
  banned: z.boolean(),
  permanent: z.boolean(),
  bannedUntil: z.number().nullable(),
  shadowBanned: z.boolean(),
  reason: z.string().nullable(),
});

export const banUserFunction = defineFunction({
  name: 'moderation.ban',
  method: 'PUT',
  path: '/v1/users/:userId/ban',
  auth: 'server',
  summary: 'Ban a user app-wide (until a time, or until lifted), or shadow-ban them',
  params: z.object({ userId: UserId }),
  body: z.strictObject({
    until: z.number().int().positive().optional().describe('epoch ms; omitted = until unbanned'),
    reason: z.string().max(500).optional(),
    shadow: z.boolean().default(false),
  }),
  response: BanView,
  handler: async ({ params, body }, ctx) => {
    const appId = callerAppId(ctx.caller);
    const view = banView(await banUser(ctx, appId, params.userId, body));
    if (view.banned) await announceAccessChange(ctx, { appId, userId: params.userId, reason: 'banned' });
    return view;
  },
});

export const unbanUserFunction = defineFunction({
  name: 'moderation.unban',
  method: 'DELETE',
  path: '/v1/users/:userId/ban',
  auth: 'server',
  summary: 'Lift a ban or shadow ban',
  params: z.object({ userId: UserId }),
  response: BanView,
  handler: async ({ params }, ctx) => banView(await unbanUser(ctx, callerAppId(ctx.caller), params.userId)),
});

export default banUserFunction;
