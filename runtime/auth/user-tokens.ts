import { SignJWT, decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import { AppError } from '../errors.ts';
import type { AppCredentials } from './credential-lookup.ts';
import { EXPIRY_TOLERANCE_MS } from './verified-tokens.ts';

/**
 * User JWTs: HS256 with the app's signing secret, `iss` = app id, `aud` = "caas", `sub` = user id,
 * `exp` required, optional `tv` (token version) for revocation. The API mints them; customers'
 * backends may sign their own with the same rules.
 */
export const TOKEN_AUDIENCE = 'caas';
export const TOKEN_ALGORITHM = 'HS256';
export const MAX_TOKEN_TTL_SEC = 30 * 24 * 3600;

export interface UserClaims {
  appId: string;
  userId: string;
  tokenVersion: number;
  expiresAt: number;
}

function keyOf(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function mintUserToken(
  input: { appId: string; userId: string; tokenVersion: number; ttlSec: number; now: number },
  signingSecret: string,
): Promise<{ token: string; expiresAt: number }> {
  const issuedAt = Math.floor(input.now / 1000);
  const expiresAt = issuedAt + input.ttlSec;
  const token = await new SignJWT({ tv: input.tokenVersion })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: 'JWT' })
    .setIssuer(input.appId)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(input.userId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(keyOf(signingSecret));
  return { token, expiresAt: expiresAt * 1000 };
}

/** The app a token claims to belong to, read before verification to pick the secret. */
export function claimedAppId(token: string): string {
  try {
    const { iss } = decodeJwt(token);
    if (typeof iss === 'string' && iss.length > 0) return iss;
  } catch {
    // fall through: not a JWT at all
  }
  throw new AppError('UNAUTHENTICATED', 'Bearer token is neither a server key nor a valid user token');
}

/** The secrets a user token of this app may be signed with now: the current one, then the previous during its rotation overlap. */
export function acceptedSigningSecrets(app: Pick<AppCredentials, 'signingSecret' | 'previousSigningSecret' | 'previousSigningSecretUntil'>, now: number): string[] {
  const previous = app.previousSigningSecret;
  return previous && (app.previousSigningSecretUntil ?? 0) > now ? [app.signingSecret, previous] : [app.signingSecret];
}

/**
 * Verifies a token against the app's accepted secrets in order (current, then the previous one
 * during its rotation overlap); an expired token is reported as expired at once. Resolves with
 * the claims and the secret that verified them.
 */
export async function verifyUserToken(token: string, appId: string, signingSecrets: string[], now: number): Promise<{ claims: UserClaims; secret: string }> {
  let refusal: AppError | null = null;
  for (const secret of signingSecrets) {
    try {
      return { claims: await verifyWithSecret(token, appId, secret, now), secret };
    } catch (error) {
      if (error instanceof AppError && error.code === 'TOKEN_EXPIRED') throw error;
      refusal ??= error as AppError;
    }
  }
  throw refusal ?? new AppError('UNAUTHENTICATED', 'User token is invalid');
}

async function verifyWithSecret(token: string, appId: string, signingSecret: string, now: number): Promise<UserClaims> {
  try {
    const { payload } = await jwtVerify(token, keyOf(signingSecret), {
      algorithms: [TOKEN_ALGORITHM],
      issuer: appId,
      audience: TOKEN_AUDIENCE,
      requiredClaims: ['exp', 'sub'],
      currentDate: new Date(now),
      clockTolerance: EXPIRY_TOLERANCE_MS / 1000,
    });
    const tokenVersion = typeof payload.tv === 'number' ? payload.tv : 0;
    return { appId, userId: payload.sub as string, tokenVersion, expiresAt: (payload.exp as number) * 1000 };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new AppError('TOKEN_EXPIRED', 'User token has expired', { cause: error });
    throw new AppError('UNAUTHENTICATED', 'User token is invalid', { cause: error });
  }
}
