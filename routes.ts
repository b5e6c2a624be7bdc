import type { AnyFunctionDefinition } from './runtime/define-function.ts';
import createApp from './functions/apps/create-app.ts';
import createKey from './functions/apps/create-key.ts';
import getApp from './functions/apps/get-app.ts';
import listKeys from './functions/apps/list-keys.ts';
import revokeKey from './functions/apps/revoke-key.ts';
import rotateSigningSecret from './functions/apps/rotate-signing-secret.ts';
import createToken from './functions/users/create-token.ts';
import deleteUser from './functions/users/delete-user.ts';
import getMe from './functions/users/get-me.ts';
import getUser from './functions/users/get-user.ts';
import patchUser from './functions/users/patch-user.ts';
import revokeTokens from './functions/users/revoke-tokens.ts';
import upsertUser from './functions/users/upsert-user.ts';

/**
 * Every function the router serves. esbuild bundles this list as the router, and each entry alone
 * as its own deployable (see esbuild.config.ts); a test checks that every function file is here.
 */
export const functions: AnyFunctionDefinition[] = [
  createApp,
  getApp,
  createKey,
  listKeys,
  revokeKey,
  rotateSigningSecret,
  upsertUser,
  getUser,
  getMe,
  patchUser,
  deleteUser,
  createToken,
  revokeTokens,
];
