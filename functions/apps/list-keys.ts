import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppId, ServerKeyView, toServerKeyView } from './app-views.ts';
import { listServerKeys, requireApp } from './apps.ts';

export default defineFunction({
  name: 'apps.keys.list',
  method: 'GET',
  path: '/v1/apps/:appId/keys',
  auth: 'admin',
  summary: "List an app's server keys (hints only, never the keys)",
  params: z.object({ appId: AppId }),
  response: z.object({ keys: z.array(ServerKeyView) }),
  handler: async ({ params }, ctx) => {
    await requireApp(ctx.ports.store, params.appId);
    return { keys: (await listServerKeys(ctx.ports.store, params.appId)).map(toServerKeyView) };
  },
});
