import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, importPKCS8, type JWK } from 'jose';
import type { Config } from '../../runtime/config.ts';
import { isAppError } from '../../runtime/errors.ts';
import type { StorePort } from '../../infra/store/port.ts';

/**
 * The Ed25519 key that signs audit checkpoints: CAAS_AUDIT_SIGNING_KEY, or a key generated once and
 * kept in the data dir (mode 0600). Its public half is published in the store (`audit_keys`), which
 * every router serves as the JWKS at /.well-known/caas-audit-keys.json; retired keys stay listed so
 * old checkpoints keep verifying.
 */
export const AUDIT_KEYS = 'audit_keys';
const KEY_FILE = 'audit-signing-key.pem';

export interface AuditSigner {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface PublishedKeyDoc {
  _id: string;
  jwk: JWK;
  createdAt: number;
  [key: string]: unknown;
}

async function privatePem(config: Config): Promise<string> {
  if (config.CAAS_AUDIT_SIGNING_KEY) return config.CAAS_AUDIT_SIGNING_KEY;
  const file = join(config.CAAS_DATA_DIR, KEY_FILE);
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await mkdir(config.CAAS_DATA_DIR, { recursive: true });
  try {
    await writeFile(file, pem, { mode: 0o600, flag: 'wx' });
    return pem;
  } catch (error) {
    // Another process of this data dir wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFile(file, 'utf8');
  }
}

export async function loadAuditSigner(config: Config): Promise<AuditSigner> {
  const privateKey = await importPKCS8(await privatePem(config), 'EdDSA', { extractable: true });
  const { d: _private, ...publicPart } = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicPart);
  return { kid, privateKey, publicJwk: { ...publicPart, kid, alg: 'EdDSA', use: 'sig' } };
}

export async function publishKey(store: StorePort, signer: AuditSigner, now: number): Promise<void> {
  try {
    await store.collection<PublishedKeyDoc>(AUDIT_KEYS).insertOne({ _id: signer.kid, jwk: signer.publicJwk, createdAt: now });
  } catch (error) {
    if (!isAppError(error) || error.code !== 'CONFLICT') throw error; // published before
  }
}

export async function publishedKeys(store: StorePort): Promise<JWK[]> {
  const docs = await store.collection<PublishedKeyDoc>(AUDIT_KEYS).find({}, { sort: { createdAt: 1 } });
  return docs.map((doc) => doc.jwk);
}
