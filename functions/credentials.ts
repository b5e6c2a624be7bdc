import type { CredentialLookup } from '../runtime/auth/credential-lookup.ts';
import { findApp, findLiveServerKey, isServerKey } from './apps/apps.ts';
import { findUser } from './users/users.ts';

/** Authentication's view of apps, server keys and users: handed to the runtime at startup. */
export const credentialLookup: CredentialLookup = {
  isServerKey,
  async liveServerKey(store, secret) {
    const key = await findLiveServerKey(store, secret);
    return key ? { appId: key.appId, keyId: key._id } : null;
  },
  async app(store, appId) {
    const app = await findApp(store, appId);
    if (!app) return null;
    return {
      appId: app._id,
      signingSecret: app.signingSecret,
      previousSigningSecret: app.previousSigningSecret ?? null,
      previousSigningSecretUntil: app.previousSigningSecretUntil ?? null,
      allowedOrigins: app.allowedOrigins,
    };
  },
  async user(store, appId, userId) {
    const user = await findUser(store, appId, userId);
    return user ? { tokenVersion: user.tokenVersion } : null;
  },
};
