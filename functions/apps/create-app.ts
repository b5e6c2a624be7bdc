import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppView, IssuedServerKeyView, Origin, toAppView, toIssuedKeyView } from './app-views.ts';
import { createApp } from './apps.ts';

export default defineFunction({
  name: 'apps.create',
  method: 'POST',
  path: '/v1/apps',
  auth: 'admin',
  summary: 'Create an app (a tenant) with its first server key and JWT signing secret',
  body: z.strictObject({
    name: z.string().min(1).max(128),
    allowedOrigins: z.array(Origin).max(50).optional(),
  }),
  response: z.object({
    app: AppView,
    serverKey: IssuedServerKeyView,
    signingSecret: z.string().describe('HS256 secret for user JWTs signed by your backend. Shown once.'),
  }),
  successStatus: 201,
  handler: async ({ body }, ctx) => {
    const { app, serverKey } = await createApp(ctx, body);
    return { app: toAppView(app), serverKey: toIssuedKeyView(serverKey), signingSecret: app.signingSecret };
  },
});
