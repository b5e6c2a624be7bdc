/**
 * Where crypto-shredding plugs into erasure. The `crypto` branch brings an `Envelope` with
 * `shredUser(appId, userId)`: once per-user data keys encrypt message content at rest, destroying
 * the user's key makes every copy unreadable at once — backups, replicas and bus records the
 * erasure job cannot rewrite. Until it is wired here, erasure rewrites what it can reach and this
 * hook does nothing (its result says so: `cryptoShredded: 0`).
 *
 * @example (once the crypto branch is merged)
 *   setCryptoShredder((appId, userId) => envelope.shredUser(appId, userId));
 */
export type CryptoShredder = (appId: string, userId: string) => Promise<void>;

let shredder: CryptoShredder | null = null;

export function setCryptoShredder(next: CryptoShredder | null): void {
  shredder = next;
}

/** 1 when the user's keys were shredded, 0 when no shredder is installed. */
export async function shredUserKeys(appId: string, userId: string): Promise<number> {
  if (!shredder) return 0;
  await shredder(appId, userId);
  return 1;
}
