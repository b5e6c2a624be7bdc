import { timingSafeEqual } from 'node:crypto';
import { acceptedSigningSecrets, findApp, findLiveServerKey, isServerKey } from '../../functions/apps/apps.ts';
import { findUser } from '../../functions/users/users.ts';
import type { Caller, Services } from '../context.ts';
import type { AuthKind } from '../define-function.ts';
import { AppError } from '../errors.ts';
import { claimedAppId, verifyUserToken } from './user-tokens.ts';

const BEARER = /^Bearer\s+(\S+)$/i;

function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = BEARER.exec(header);
  if (!match?.[1]) throw new AppError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"');
  return match[1];
}

function isAdminToken(services: Services, token: string): boolean {
  const expected = services.config.CAAS_ADMIN_TOKEN;
  if (!expected) return false;
  const a = Buffer.from(token);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface CredentialHeaders {
  authorization: string | undefined;
  onBehalfOf: string | undefined;
}

async function resolveCaller(services: Services, token: string, onBehalfOf: string | undefined): Promise<Caller> {
  if (isAdminToken(services, token)) return { kind: 'admin' };
  const { store } = services.ports;
  if (isServerKey(token)) {
    const key = await findLiveServerKey(store, token);
    if (!key) throw new AppError('UNAUTHENTICATED', 'Server key is unknown or revoked');
    if (onBehalfOf !== undefined && !(await findUser(store, key.appId, onBehalfOf))) {
      throw new AppError('NOT_FOUND', `X-On-Behalf-Of: user ${onBehalfOf} not found`);
    }
    return { kind: 'server', appId: key.appId, keyId: key._id, onBehalfOf: onBehalfOf ?? null };
  }
  const appId = claimedAppId(token);
  const app = await findApp(store, appId);
  if (!app) throw new AppError('UNAUTHENTICATED', 'User token is invalid');
  const claims = await verifyUserToken(token, app._id, acceptedSigningSecrets(app, services.clock.now()), services.clock.now());
  const user = await findUser(store, appId, claims.userId);
  if (!user) throw new AppError('UNAUTHENTICATED', 'User of this token no longer exists');
  if (claims.tokenVersion < user.tokenVersion) throw new AppError('UNAUTHENTICATED', 'User token has been revoked');
  if (onBehalfOf !== undefined) throw new AppError('BAD_REQUEST', 'X-On-Behalf-Of is for server keys; a user token always acts as its own user');
  return { kind: 'user', appId, userId: claims.userId };
}

const ACCEPTS: Record<AuthKind, ReadonlyArray<Caller['kind']>> = {
  admin: ['admin'],
  server: ['server'],
  user: ['user'],
  'server-or-user': ['server', 'user'],
  public: ['admin', 'server', 'user', 'public'],
};

/**
 * Resolves the caller from the Authorization header and checks it may use an endpoint of the
 * given auth kind: no credentials → 401; valid credentials of the wrong kind → 403.
 */
export async function authenticate(services: Services, headers: CredentialHeaders, kind: AuthKind): Promise<Caller> {
  const token = bearerToken(headers.authorization);
  if (!token) {
    if (kind === 'public') return { kind: 'public' };
    throw new AppError('UNAUTHENTICATED', 'Missing Authorization header', {
      headers: { 'WWW-Authenticate': 'Bearer realm="caas"' },
    });
  }
  const caller = await resolveCaller(services, token, headers.onBehalfOf);
  if (!ACCEPTS[kind].includes(caller.kind)) {
    throw new AppError('FORBIDDEN', `This endpoint needs ${kind === 'server-or-user' ? 'a server key or a user token' : `${kind} credentials`}`);
  }
  return caller;
}

/**
 * The user a call acts as: the token's user, or the user a server key names in X-On-Behalf-Of;
 * null for a server key acting as the app itself.
 */
export function actingUserId(caller: Caller): string | null {
  if (caller.kind === 'user') return caller.userId;
  if (caller.kind === 'server') return caller.onBehalfOf;
  return null;
}

/** The app every store query of this call must be scoped to. */
export function callerAppId(caller: Caller): string {
  if (caller.kind === 'server' || caller.kind === 'user') return caller.appId;
  throw new AppError('FORBIDDEN', 'This call must be made with app credentials');
}
