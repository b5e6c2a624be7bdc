import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { KeysView, toKeysView } from './key-views.ts';
import { requireEnvelope } from './rotations.ts';

export default defineFunction({
  name: 'keys.get',
  method: 'GET',
  path: '/v1/keys',
  auth: 'server',
  summary: "The app's key-encryption key: versions and data-key re-wrap progress (metadata only)",
  response: KeysView,
  handler: async (_input, ctx) => {
    const appId = callerAppId(ctx.caller);
    const info = await ctx.ports.kms.ensureKey(appId);
    return toKeysView(info, await requireEnvelope(ctx).progress(appId, info.currentVersion));
  },
});
