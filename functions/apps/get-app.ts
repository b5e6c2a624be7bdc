import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppId, AppView, toAppView } from './app-views.ts';
import { requireApp } from './apps.ts';

export default defineFunction({
  name: 'apps.get',
  method: 'GET',
  path: '/v1/apps/:appId',
  auth: 'admin',
  summary: 'Read an app',
  params: z.object({ appId: AppId }),
  response: AppView,
  handler: async ({ params }, ctx) => toAppView(await requireApp(ctx.ports.store, params.appId)),
});
