import type { UserClaims } from './user-tokens.ts';

/**
 * User tokens whose signature this process has already checked, so a client's every request does
 * not pay for the HMAC again. An entry counts only while the secret that verified it is accepted
 * (the current one, or the previous one during a rotation's overlap; once it is not, the entry
 * misses and the token is verified afresh) and only until the token expires, with
 * the same tolerance verification allows. Revocation is not cached here: the token version is
 * compared with the user's on every request.
 */
export const EXPIRY_TOLERANCE_MS = 5_000;
const MAX_ENTRIES = 20_000;

interface Entry {
  secret: string;
  claims: UserClaims;
}

export class VerifiedTokens {
  private readonly entries = new Map<string, Entry>();

  get(token: string, acceptedSecrets: string[], now: number): UserClaims | null {
    const entry = this.entries.get(token);
    if (!entry) return null;
    if (!acceptedSecrets.includes(entry.secret) || entry.claims.expiresAt + EXPIRY_TOLERANCE_MS <= now) {
      this.entries.delete(token);
      return null;
    }
    return entry.claims;
  }

  remember(token: string, secret: string, claims: UserClaims): UserClaims {
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { secret, claims });
    return claims;
  }
}
