import { z } from 'zod';
import { AppError } from '../errors.ts';

/**
 * The declared type of every registered claim a user token may carry. jose checks signature,
 * issuer, audience and time; this checks shapes, so `sub: ["bob"]` or `tv: "0"` is a 401 instead
 * of being coerced to a string or ignored.
 */
const NumericDate = z.number().finite();

export const TokenClaims = z.object({
  iss: z.string().min(1),
  sub: z.string().min(1).max(128),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: NumericDate,
  iat: NumericDate.optional(),
  nbf: NumericDate.optional(),
  jti: z.string().optional(),
  tv: z.number().int().nonnegative().optional(),
});
export type TokenClaims = z.infer<typeof TokenClaims>;

/** The claims when each has its declared type; otherwise UNAUTHENTICATED naming the claim. */
export function typedClaims(payload: unknown): TokenClaims {
  const parsed = TokenClaims.safeParse(payload);
  if (!parsed.success) {
    const claim = parsed.error.issues[0]?.path.join('.') ?? 'payload';
    throw new AppError('UNAUTHENTICATED', `User token is invalid: claim "${claim}" has the wrong type`);
  }
  return parsed.data;
}
