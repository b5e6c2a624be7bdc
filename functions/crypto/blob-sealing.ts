import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { BlobSealing } from '../../infra/blob/sealing.ts';
import { AppError } from '../../runtime/errors.ts';
import { describeRef, type FieldRef } from './ciphertext.ts';
import type { Envelope } from './envelope.ts';

/**
 * Blob files encrypted at rest, in segments (the local adapter frames them: infra/blob/sealed-frames.ts).
 * Each object version gets a file key = HKDF-SHA256(the app's current data key, a random 32-byte
 * salt, `caas/blob/v1`); each segment is AES-256-GCM under it, iv = the segment index (a counter
 * never reused under one file key), AAD = app, object key, data key id, index, and whether it is
 * the last segment — so a segment moved, a file renamed, reordered, cut short or extended fails.
 * Header: version (1) ‖ length of the data key id ‖ data key id ‖ salt. The app's data key (not
 * a user's): files belong to the app; key rotation re-wraps it like any other; erasure deletes files.
 */
export const BLOB_SEGMENT_SIZE = 64 * 1024;
const TAG = 16;
const SALT = 32;
const VERSION = 1;
const APP_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The app an object belongs to: the first segment of its key (`<appId>/media/…`). */
function appOf(key: string): string {
  const appId = key.split('/', 1)[0] ?? '';
  if (!APP_ID.test(appId)) throw new AppError('INTERNAL', `blob key ${JSON.stringify(key)} does not start with an app id: it cannot be encrypted at rest`);
  return appId;
}

const refOf = (appId: string, key: string): FieldRef => ({ appId, collection: 'blobs', docId: key, field: '' });
const fileKey = (dataKey: Uint8Array, salt: Uint8Array) => Buffer.from(hkdfSync('sha256', dataKey, salt, 'caas/blob/v1', 32));
const aad = (appId: string, key: string, dataKeyId: string, index: number, last: boolean) =>
  Buffer.from(JSON.stringify(['caas/blob/v1', appId, key, dataKeyId, index, last]), 'utf8');

function iv(index: number): Buffer {
  const bytes = Buffer.alloc(12);
  bytes.writeBigUInt64BE(BigInt(index), 4);
  return bytes;
}

function parseHeader(header: Uint8Array): { dataKeyId: string; salt: Buffer } | null {
  const bytes = Buffer.from(header);
  if (bytes.length < 2 || bytes[0] !== VERSION) return null;
  const length = bytes[1]!;
  if (bytes.length !== 2 + length + SALT) return null;
  return { dataKeyId: bytes.subarray(2, 2 + length).toString('latin1'), salt: bytes.subarray(2 + length) };
}

export function blobSealing(envelope: Envelope, segmentSize = BLOB_SEGMENT_SIZE): BlobSealing {
  return {
    segmentSize,
    overhead: TAG,
    async seal(key) {
      const appId = appOf(key);
      const { dataKeyId, key: dataKey } = await envelope.currentDataKey(appId);
      const salt = randomBytes(SALT);
      const sealingKey = fileKey(dataKey, salt);
      return {
        header: Buffer.concat([Buffer.of(VERSION, dataKeyId.length), Buffer.from(dataKeyId, 'latin1'), salt]),
        segment(index, last, plaintext) {
          const cipher = createCipheriv('aes-256-gcm', sealingKey, iv(index)).setAAD(aad(appId, key, dataKeyId, index, last));
          return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
        },
      };
    },
    async open(key, header) {
      const appId = appOf(key);
      const ref = refOf(appId, key);
      const parsed = parseHeader(header);
      if (!parsed) throw new AppError('DECRYPTION_FAILED', `cannot decrypt ${describeRef(ref)}: its header is not one this platform wrote`);
      const openingKey = fileKey(await envelope.dataKey(ref, parsed.dataKeyId), parsed.salt);
      return {
        segment(index, last, sealed) {
          const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
          try {
            if (bytes.length < TAG) throw new Error('short');
            const decipher = createDecipheriv('aes-256-gcm', openingKey, iv(index)).setAAD(aad(appId, key, parsed.dataKeyId, index, last));
            decipher.setAuthTag(bytes.subarray(bytes.length - TAG));
            return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG)), decipher.final()]);
          } catch {
            throw new AppError('DECRYPTION_FAILED', `cannot decrypt ${describeRef(ref)}, segment ${index}${last ? ' (the last)' : ''}: the file was altered, reordered or cut`);
          }
        },
      };
    },
  };
}
