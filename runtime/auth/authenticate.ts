import { timingSafeEqual } from 'node:crypto';
import type { Caller, Services } from '../context.ts';
import type { AuthKind } from '../define-function.ts';
import { AppError } from '../errors.ts';
import type { AppCredentials } from './credential-lookup.ts';
import { acceptedSigningSecrets, claimedAppId, verifyUserToken, type UserClaims } from './user-tokens.ts';
import { VerifiedTokens } from './verified-tokens.ts';

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

/** A verified credential: the caller, and for a user token its app and expiry (epoch ms). */
export interface Credential {
  caller: Caller;
  app: AppCredentials | null;
  expiresAt: number | null;
}

/** Per process: a token verified once is not verified again on every request (verified-tokens.ts). */
const verifiedTokens = new VerifiedTokens();

async function verifyAndRemember(token: string, appId: string, secrets: string[], now: number): Promise<UserClaims> {
  const { claims, secret } = await verifyUserToken(token, appId, secrets, now);
  return verifiedTokens.remember(token, secret, claims);
}

async function resolveCredential(services: Services, token: string, onBehalfOf: string | undefined): Promise<Credential> {
  if (isAdminToken(services, token)) return { caller: { kind: 'admin' }, app: null, expiresAt: null };
  const lookup = services.credentials;
  if (lookup.isServerKey(token)) {
    const key = await lookup.liveServerKey(services, token);
    if (!key) throw new AppError('UNAUTHENTICATED', 'Server key is unknown or revoked');
    if (onBehalfOf !== undefined && !(await lookup.user(services, key.appId, onBehalfOf))) {
      throw new AppError('NOT_FOUND', `X-On-Behalf-Of: user ${onBehalfOf} not found`);
    }
    return { caller: { kind: 'server', appId: key.appId, keyId: key.keyId, onBehalfOf: onBehalfOf ?? null }, app: null, expiresAt: null };
  }
  const appId = claimedAppId(token);
  const app = await lookup.app(services, appId);
  if (!app) throw new AppError('UNAUTHENTICATED', 'User token is invalid');
  const now = services.clock.now();
  const secrets = acceptedSigningSecrets(app, now);
  const claims = verifiedTokens.get(token, secrets, now) ?? (await verifyAndRemember(token, app.appId, secrets, now));
  const user = await lookup.user(services, appId, claims.userId);
  if (!user) throw new AppError('UNAUTHENTICATED', 'User of this token no longer exists');
  if (claims.tokenVersion < user.tokenVersion) throw new AppError('UNAUTHENTICATED', 'User token has been revoked');
  if (onBehalfOf !== undefined) throw new AppError('BAD_REQUEST', 'X-On-Behalf-Of is for server keys; a user token always acts as its own user');
  return { caller: { kind: 'user', appId, userId: claims.userId }, app, expiresAt: claims.expiresAt };
}

const ACCEPTS: Record<AuthKind, ReadonlyArray<Caller['kind']>> = {
  admin: ['admin'],
  server: ['server'],
  user: ['user'],
  'server-or-user': ['server', 'user'],
  public: ['admin', 'server', 'user', 'public'],
};

/**
 * Resolves the credential from the Authorization header and checks it may use an endpoint of the
 * given auth kind: no credentials → 401; valid credentials of the wrong kind → 403.
 */
export async function authenticateCredential(services: Services, headers: CredentialHeaders, kind: AuthKind): Promise<Credential> {
  const token = bearerToken(headers.authorization);
  if (!token) {
    if (kind === 'public') return { caller: { kind: 'public' }, app: null, expiresAt: null };
    throw new AppError('UNAUTHENTICATED', 'Missing Authorization header', {
      headers: { 'WWW-Authenticate': 'Bearer realm="caas"' },
    });
  }
  const credential = await resolveCredential(services, token, headers.onBehalfOf);
  if (!ACCEPTS[kind].includes(credential.caller.kind)) {
    throw new AppError('FORBIDDEN', `This endpoint needs ${kind === 'server-or-user' ? 'a server key or a user token' : `${kind} credentials`}`);
  }
  return credential;
}

/** The caller of an endpoint of the given auth kind (see authenticateCredential). */
export async function authenticate(services: Services, headers: CredentialHeaders, kind: AuthKind): Promise<Caller> {
  return (await authenticateCredential(services, headers, kind)).caller;
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
