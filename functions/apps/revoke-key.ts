import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppId, KeyId } from './app-views.ts';
import { revokeServerKey } from './apps.ts';

export default defineFunction({
  name: 'apps.keys.revoke',
  method: 'DELETE',
  path: '/v1/apps/:appId/keys/:keyId',
  auth: 'admin',
  summary: 'Revoke a server key; it stops working at once',
  params: z.object({ appId: AppId, keyId: KeyId }),
  handler: async ({ params }, ctx) => {
    await revokeServerKey(ctx, params.appId, params.keyId);
  },
});
