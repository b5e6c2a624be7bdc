import type { Services } from '../context.ts';

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
 * imports endpoint code. Each lookup returns null for what does not exist (or is revoked). They
 * run on every authenticated request, so the domain serves them from `services.reads`.
 */
export interface CredentialLookup {
  isServerKey(token: string): boolean;
  liveServerKey(services: Services, secret: string): Promise<{ appId: string; keyId: string } | null>;
  app(services: Services, appId: string): Promise<AppCredentials | null>;
  user(services: Services, appId: string, userId: string): Promise<{ tokenVersion: number } | null>;
}
