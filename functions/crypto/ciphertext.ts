import { createCipheriv, createDecipheriv } from 'node:crypto';
import { pooledRandomBytes } from '../../runtime/random-pool.ts';

/**
 * The at-rest formats, AES-256-GCM with a 12-byte random iv and 16-byte tag:
 *   text   `e1.<dataKeyId>.<base64url(iv ‖ ciphertext ‖ tag)>`   (store fields)
 *   bytes  `CE1` ‖ len(dataKeyId) ‖ dataKeyId ‖ iv ‖ ciphertext ‖ tag  (blob files)
 * The additional authenticated data binds app, collection, document, field and the data key id, so
 * a ciphertext moved to another document, field or app, or given another key id, does not decrypt.
 */
export interface FieldRef {
  appId: string;
  collection: string;
  docId: string;
  /** The field (or `blob` for a file); empty binds the whole document. */
  field: string;
}

export interface Sealed {
  dataKeyId: string;
  payload: Buffer;
}

const TEXT_PREFIX = 'e1.';
const BYTES_MAGIC = Buffer.from('CE1', 'latin1');
const IV = 12;
const TAG = 16;
const DATA_KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const isCiphertext = (value: unknown): value is string => typeof value === 'string' && value.startsWith(TEXT_PREFIX);

export const describeRef = (ref: FieldRef) => `${ref.collection}/${ref.docId}${ref.field ? ` field ${ref.field}` : ''} of app ${ref.appId}`;

const aad = (ref: FieldRef, dataKeyId: string) => Buffer.from(JSON.stringify(['caas/e1', ref.appId, ref.collection, ref.docId, ref.field, dataKeyId]), 'utf8');

export function seal(key: Uint8Array, ref: FieldRef, dataKeyId: string, plaintext: Uint8Array): Buffer {
  const iv = pooledRandomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad(ref, dataKeyId));
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** Null when the payload does not authenticate (altered, another document, another key). */
export function open(key: Uint8Array, ref: FieldRef, sealed: Sealed): Buffer | null {
  const { payload } = sealed;
  if (payload.length < IV + TAG) return null;
  const decipher = createDecipheriv('aes-256-gcm', key, payload.subarray(0, IV)).setAAD(aad(ref, sealed.dataKeyId));
  decipher.setAuthTag(payload.subarray(payload.length - TAG));
  try {
    return Buffer.concat([decipher.update(payload.subarray(IV, payload.length - TAG)), decipher.final()]);
  } catch {
    return null;
  }
}

/** The data key id an `e1.` value names, without decoding it; null for anything else. */
export function keyIdOf(value: string): string | null {
  if (!isCiphertext(value)) return null;
  const end = value.indexOf('.', TEXT_PREFIX.length);
  const id = end < 0 ? '' : value.slice(TEXT_PREFIX.length, end);
  return DATA_KEY_ID.test(id) ? id : null;
}

export const toText = ({ dataKeyId, payload }: Sealed): string => `${TEXT_PREFIX}${dataKeyId}.${payload.toString('base64url')}`;

export function fromText(value: string): Sealed | null {
  if (!isCiphertext(value)) return null;
  const [dataKeyId = '', body = '', ...rest] = value.slice(TEXT_PREFIX.length).split('.');
  if (rest.length > 0 || !DATA_KEY_ID.test(dataKeyId) || !/^[A-Za-z0-9_-]+$/.test(body)) return null;
  return { dataKeyId, payload: Buffer.from(body, 'base64url') };
}

export const toBytes = ({ dataKeyId, payload }: Sealed): Buffer => Buffer.concat([BYTES_MAGIC, Buffer.of(dataKeyId.length), Buffer.from(dataKeyId, 'latin1'), payload]);

export function fromBytes(value: Uint8Array): Sealed | null {
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (bytes.length < 4 || !bytes.subarray(0, 3).equals(BYTES_MAGIC)) return null;
  const length = bytes[3]!;
  const dataKeyId = bytes.subarray(4, 4 + length).toString('latin1');
  if (!DATA_KEY_ID.test(dataKeyId)) return null;
  return { dataKeyId, payload: bytes.subarray(4 + length) };
}
