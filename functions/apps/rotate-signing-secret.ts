import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppId } from './app-views.ts';
import { rotateSigningSecret } from './apps.ts';

export default defineFunction({
  name: 'apps.signingSecret.rotate',
  method: 'POST',
  path: '/v1/apps/:appId/signing-secret',
  auth: 'admin',
  summary: 'Replace the JWT signing secret; tokens signed with the old one stay valid for CAAS_SIGNING_SECRET_OVERLAP_SECONDS',
  description: 'previousSecretValidUntil (epoch ms) says until when the replaced secret is still accepted; null when the overlap is 0.',
  params: z.object({ appId: AppId }),
  response: z.object({ signingSecret: z.string(), previousSecretValidUntil: z.number().nullable() }),
  handler: async ({ params }, ctx) => rotateSigningSecret(ctx, params.appId),
});
