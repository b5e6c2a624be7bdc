/**
 * KMS port: one key-encryption key (KEK) per app, versioned. Data keys are generated under the
 * app's current KEK version and come back twice: in plaintext (to encrypt with, kept in memory
 * only) and wrapped (to store). Unwrapping uses whichever version wrapped them, so a rotation never
 * makes stored data unreadable. The root is CAAS_MASTER_KEY (local adapter) or AWS KMS.
 * One contract suite: tests/contract/kms.contract.ts.
 *
 * @example
 *   await kms.ensureKey('app_1');
 *   const { plaintext, wrapped } = await kms.generateDataKey('app_1', { dataKey: 'dk1' });
 *   const again = await kms.unwrapKey('app_1', wrapped, { dataKey: 'dk1' }); // equals plaintext
 */

/** Bound into every wrap as authenticated data: unwrapping needs the very same pairs. */
export type EncryptionContext = Record<string, string>;

export interface KekVersion {
  version: number;
  createdAt: number;
}

export interface KekInfo {
  appId: string;
  /** The adapter's identifier of the current version (an ARN on AWS, `local:<app>:v<n>` locally). */
  keyId: string;
  currentVersion: number;
  /** Every version, oldest first; all of them still unwrap what they wrapped. */
  versions: KekVersion[];
}

export interface WrappedKey {
  /** The KEK version that wrapped it. */
  version: number;
  ciphertext: Uint8Array;
}

export interface DataKey {
  plaintext: Uint8Array;
  wrapped: WrappedKey;
}

/**
 * Errors (AppError codes): BAD_REQUEST for input outside KMS_LIMITS; NOT_FOUND when the app has no
 * KEK (or not that version) for anything but ensureKey; DECRYPTION_FAILED when a wrapped key does not
 * unwrap (altered, another context, another app); ENGINE_UNAVAILABLE when the root or the service
 * cannot be used. Messages start with `[<adapter name>]`.
 */
export interface KmsPort {
  readonly name: string;
  /** Creates the app's KEK (version 1) unless it exists; idempotent and safe to race. */
  ensureKey(appId: string): Promise<KekInfo>;
  /** Metadata only; null when the app has no KEK yet. */
  describeKey(appId: string): Promise<KekInfo | null>;
  /** A new version that wraps from now on; older versions keep unwrapping. */
  rotateKey(appId: string): Promise<KekInfo>;
  /** A fresh 32-byte data key under the current version. */
  generateDataKey(appId: string, context: EncryptionContext): Promise<DataKey>;
  /** Wraps a given data key under the current version (re-wrapping after a rotation). */
  wrapKey(appId: string, plaintext: Uint8Array, context: EncryptionContext): Promise<WrappedKey>;
  unwrapKey(appId: string, wrapped: WrappedKey, context: EncryptionContext): Promise<Uint8Array>;
  /**
   * Checks the root of trust at start-up: the local master key against its key check value; on AWS,
   * that the canary recorded in the store still decrypts under this KMS and alias prefix. A root
   * other than the data's is a ConfigError (no retry fixes it); an unreachable one ENGINE_UNAVAILABLE.
   */
  verify(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const KMS_LIMITS = {
  /** AES-256 data keys only. */
  dataKeyBytes: 32,
  maxContextEntries: 8,
  maxContextKeyLength: 64,
  maxContextValueLength: 256,
  /** Larger than any wrapped 32-byte key either adapter produces. */
  maxWrappedBytes: 1024,
} as const;

/** App ids as the platform makes them; also valid inside AWS alias names. */
export const KMS_APP_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
