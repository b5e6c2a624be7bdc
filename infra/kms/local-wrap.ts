import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The local adapter's key arithmetic: KEKs derived from the master key with HKDF-SHA256 (a random
 * salt per app and version, so a re-created app never gets its old keys back), data keys wrapped
 * with AES-256-GCM. Wrapped format: 0x01 ‖ iv(12) ‖ tag(16) ‖ ciphertext.
 */
const FORMAT = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function deriveKek(masterKey: Uint8Array, salt: Uint8Array, appId: string, version: number): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, salt, `caas/kms/kek/${appId}/v${version}`, 32));
}

/** 8 bytes that identify the master key without revealing anything about it. */
export function keyCheckValue(masterKey: Uint8Array): string {
  return Buffer.from(hkdfSync('sha256', masterKey, new Uint8Array(0), 'caas/kms/key-check-value', 8)).toString('hex');
}

export function wrap(kek: Uint8Array, plaintext: Uint8Array, aad: string): Uint8Array {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek, iv).setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT), iv, cipher.getAuthTag(), body]);
}

/** Null when the bytes are not a wrapped key this KEK made for this AAD (altered, or another key). */
export function unwrap(kek: Uint8Array, wrapped: Uint8Array, aad: string): Uint8Array | null {
  if (wrapped.length <= 1 + IV_BYTES + TAG_BYTES || wrapped[0] !== FORMAT) return null;
  const bytes = Buffer.from(wrapped);
  const decipher = createDecipheriv('aes-256-gcm', kek, bytes.subarray(1, 1 + IV_BYTES)).setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}
