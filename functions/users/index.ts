/** Users of an app and their tokens. */
import createToken from './create-token.ts';
import deleteUser from './delete-user.ts';
import getMe from './get-me.ts';
import getUser from './get-user.ts';
import patchUser from './patch-user.ts';
import revokeTokens from './revoke-tokens.ts';
import upsertUser from './upsert-user.ts';

export const userFunctions = [upsertUser, getUser, getMe, patchUser, deleteUser, createToken, revokeTokens];
