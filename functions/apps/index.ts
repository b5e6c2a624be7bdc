/** Apps (tenants), their server keys and JWT signing secrets. */
import createApp from './create-app.ts';
import createKey from './create-key.ts';
import getApp from './get-app.ts';
import listKeys from './list-keys.ts';
import revokeKey from './revoke-key.ts';
import rotateSigningSecret from './rotate-signing-secret.ts';

export const appFunctions = [createApp, getApp, createKey, listKeys, revokeKey, rotateSigningSecret];
