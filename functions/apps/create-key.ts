import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppId, IssuedServerKeyView, toIssuedKeyView } from './app-views.ts';
import { issueServerKey, requireApp } from './apps.ts';

export default defineFunction({
  name: 'apps.keys.create',
  method: 'POST',
  path: '/v1/apps/:appId/keys',
  auth: 'admin',
  summary: 'Issue a new server key (rotation: issue, deploy, then revoke the old one)',
  params: z.object({ appId: AppId }),
  body: z.strictObject({ name: z.string().min(1).max(64).default('default') }),
  response: IssuedServerKeyView,
  successStatus: 201,
  handler: async ({ params, body }, ctx) => {
    await requireApp(ctx.ports.store, params.appId);
    return toIssuedKeyView(await issueServerKey(ctx, params.appId, body.name));
  },
});
