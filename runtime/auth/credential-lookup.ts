import type { StorePort } from '../../infra/store/port.ts';

/** What authentication needs to know about an app: how to check its tokens and where its pages live. */
export interface AppCredentials {
  appId: string;
  signingSecret: string;
  /** The secret the last rotation replaced, still accepted until `previousSigningSecretUntil` (epoch ms). */
  previousSigningSecret: string | null;
  previousSigningSecretUntil: number | null;
  allowedOrigins: string[];
}

/**
 * The records authentication reads, handed in by the domain (apps, users) so the runtime never
 * imports endpoint code. Each lookup returns null for what does not exist (or is revoked).
 */
export interface CredentialLookup {
  isServerKey(token: string): boolean;
  liveServerKey(store: StorePort, secret: string): Promise<{ appId: string; keyId: string } | null>;
  app(store: StorePort, appId: string): Promise<AppCredentials | null>;
  user(store: StorePort, appId: string, userId: string): Promise<{ tokenVersion: number } | null>;
}
