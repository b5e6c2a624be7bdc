import type { CredentialLookup } from '../runtime/auth/credential-lookup.ts';
import { findLiveServerKey, isServerKey, readApp } from './apps/apps.ts';
import { readUser } from './users/users.ts';

/** Authentication's view of apps, server keys and users: handed to the runtime at startup. */
export const credentialLookup: CredentialLookup = {
  isServerKey,
  async liveServerKey(services, secret) {
    const key = await findLiveServerKey(services, secret);
    return key ? { appId: key.appId, keyId: key._id } : null;
  },
  async app(services, appId) {
    const app = await readApp(services, appId);
    if (!app) return null;
    return {
      appId: app._id,
      signingSecret: app.signingSecret,
      previousSigningSecret: app.previousSigningSecret ?? null,
      previousSigningSecretUntil: app.previousSigningSecretUntil ?? null,
      allowedOrigins: app.allowedOrigins,
    };
  },
  async user(services, appId, userId) {
    const user = await readUser(services, appId, userId);
    return user ? { tokenVersion: user.tokenVersion } : null;
  },
};
