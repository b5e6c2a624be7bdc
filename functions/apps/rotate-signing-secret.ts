import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppId } from './app-views.ts';
import { rotateSigningSecret } from './apps.ts';

export default defineFunction({
  name: 'apps.signingSecret.rotate',
  method: 'POST',
  path: '/v1/apps/:appId/signing-secret',
  auth: 'admin',
  summary: 'Replace the JWT signing secret; tokens signed with the old one stop working',
  params: z.object({ appId: AppId }),
  response: z.object({ signingSecret: z.string() }),
  handler: async ({ params }, ctx) => ({ signingSecret: await rotateSigningSecret(ctx, params.appId) }),
});
