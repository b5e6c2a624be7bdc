import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';

/**
 * Kept idempotent responses are sealed (AES-256-GCM), never stored in plain text: some carry
 * freshly minted secrets (server keys, signing secrets, user tokens). The key is derived from the
 * caller's raw Idempotency-Key (the store keeps only its hash) and the deployment's
 * CAAS_MASTER_KEY or CAAS_ADMIN_TOKEN (neither is in the store), so reading the store alone
 * recovers nothing.
 */
export interface SealingMaterial {
  scope: string;
  key: string;
}

function deriveKey(config: Config, material: SealingMaterial): Buffer {
  const deploymentSecret = config.CAAS_MASTER_KEY ?? config.CAAS_ADMIN_TOKEN ?? '';
  const ikm = Buffer.from(`${deploymentSecret}\n${material.key}`);
  return Buffer.from(hkdfSync('sha256', ikm, Buffer.from(material.scope), 'caas idempotent response', 32));
}

export function sealResponse(config: Config, material: SealingMaterial, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(config, material), iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), data].map((part) => part.toString('base64')).join('.');
}

/** The plain text, or null when it cannot be opened (another deployment secret, tampering). */
export function openResponse(config: Config, material: SealingMaterial, sealed: string): string | null {
  const [iv, tag, data] = sealed.split('.').map((part) => Buffer.from(part, 'base64'));
  if (!iv || !tag || !data) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', deriveKey(config, material), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
