import { z } from 'zod';
import { requireApp } from '../apps/apps.ts';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { MAX_TOKEN_TTL_SEC, mintUserToken } from '../../runtime/auth/user-tokens.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { requireUser, UserId } from './users.ts';

export default defineFunction({
  name: 'users.tokens.create',
  method: 'POST',
  path: '/v1/users/:userId/tokens',
  auth: 'server',
  summary: 'Mint a user JWT for a client app',
  params: z.object({ userId: UserId }),
  body: z.strictObject({ ttlSeconds: z.number().int().min(60).max(MAX_TOKEN_TTL_SEC).default(3600) }),
  response: z.object({ token: z.string(), expiresAt: z.number() }),
  successStatus: 201,
  handler: async ({ params, body }, ctx) => {
    const appId = callerAppId(ctx.caller);
    const [app, user] = await Promise.all([requireApp(ctx.ports.store, appId), requireUser(ctx.ports.store, appId, params.userId)]);
    return mintUserToken(
      { appId, userId: user.userId, tokenVersion: user.tokenVersion, ttlSec: body.ttlSeconds, now: ctx.clock.now() },
      app.signingSecret,
    );
  },
});
