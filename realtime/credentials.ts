/**
 * Who a socket is: a user JWT, checked by the platform's one authenticator (signature, issuer,
 * audience, expiry, revocation, user still present), then the app's allowed Origins. Tokens come
 * from `Sec-WebSocket-Protocol` (`bearer.<jwt>`) or the first `auth` frame — never the URL, which
 * ends up in access logs.
 */
import { authenticateCredential } from '../runtime/auth/authenticate.ts';
import type { Services } from '../runtime/context.ts';
import { AppError, isAppError } from '../runtime/errors.ts';
import { BEARER_PREFIX, SUBPROTOCOL } from './protocol.ts';

export interface Identity {
  appId: string;
  userId: string;
  /** Epoch ms when the token expires. */
  expiresAt: number;
}

/** Throws UNAUTHENTICATED / TOKEN_EXPIRED for credentials, FORBIDDEN only for a refused Origin. */
export async function identify(services: Services, token: string, origin: string | undefined): Promise<Identity> {
  const { caller, app, expiresAt } = await authenticateCredential(
    services,
    { authorization: `Bearer ${token}`, onBehalfOf: undefined },
    'user',
  ).catch((error: unknown) => {
    // A server key or admin token is a valid credential of the wrong kind: not a user session.
    if (isAppError(error) && error.code === 'FORBIDDEN') throw new AppError('UNAUTHENTICATED', '[realtime] a user token is required', { cause: error });
    throw error;
  });
  if (caller.kind !== 'user' || !app || expiresAt === null) throw new AppError('UNAUTHENTICATED', '[realtime] a user token is required');
  if (!originAllowed(app.allowedOrigins, origin)) {
    throw new AppError('FORBIDDEN', `[realtime] Origin ${origin} is not allowed for this app`);
  }
  return { appId: caller.appId, userId: caller.userId, expiresAt };
}

/**
 * An empty list allows any Origin. A request without Origin comes from a native client, not a
 * browser page, so there is no cross-site page to protect against.
 */
export function originAllowed(allowed: string[], origin: string | undefined): boolean {
  if (allowed.length === 0 || origin === undefined) return true;
  const wanted = origin.toLowerCase();
  return allowed.some((entry) => entry.toLowerCase() === wanted);
}

export interface OfferedProtocols {
  /** The protocol the server will select, or null when the client offered none. */
  selected: string | null;
  token: string | null;
}

/** Reads `Sec-WebSocket-Protocol`: `caas.v1` must be among the offers if any are made. */
export function readOfferedProtocols(header: string | undefined): OfferedProtocols {
  const offers = (header ?? '').split(',').map((part) => part.trim()).filter(Boolean);
  if (offers.length === 0) return { selected: null, token: null };
  if (!offers.includes(SUBPROTOCOL)) {
    throw new AppError('BAD_REQUEST', `[realtime] Sec-WebSocket-Protocol must offer ${SUBPROTOCOL}`);
  }
  const bearer = offers.find((offer) => offer.startsWith(BEARER_PREFIX));
  return { selected: SUBPROTOCOL, token: bearer ? bearer.slice(BEARER_PREFIX.length) : null };
}
