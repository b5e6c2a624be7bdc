/**
 * Blob port: object storage where clients move bytes themselves through presigned URLs.
 * Local files served by the runtime behind signed, expiring URLs in local mode; S3/MinIO in
 * cluster mode; one contract suite (tests/contract/blob.contract.ts).
 *
 * @example
 *   const upload = await blob.presignPut('a1/media/m1', { contentType: 'image/png', contentLength: 1234, expiresInSec: 600 });
 *   await fetch(upload.url, { method: upload.method, headers: upload.headers, body });
 *   const meta = await blob.head('a1/media/m1');
 */
export interface PresignPutOptions {
  contentType: string;
  /** Storage refuses a body of another length. */
  contentLength: number;
  /** Base64 SHA-256 of the body; storage refuses another body where the engine supports it. */
  checksumSha256?: string;
  expiresInSec: number;
}

export interface PresignedRequest {
  method: 'PUT' | 'GET';
  url: string;
  /** Headers the client must send exactly as given. */
  headers: Record<string, string>;
  expiresAt: number;
}

export interface PresignGetOptions {
  expiresInSec: number;
  /** Sets Content-Disposition: attachment; filename=… on the download. */
  downloadName?: string;
}

export interface BlobMeta {
  key: string;
  size: number;
  contentType: string;
  checksumSha256?: string;
  lastModified: number;
}

export interface BlobPort {
  readonly name: string;
  presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest>;
  presignGet(key: string, options: PresignGetOptions): Promise<PresignedRequest>;
  put(key: string, body: Uint8Array, options: { contentType: string }): Promise<void>;
  /**
   * Whole object, or the byte range [start, end] inclusive (an end past the object is cut to its
   * last byte; a start past it is BAD_REQUEST); null when absent.
   */
  get(key: string, range?: { start: number; end: number }): Promise<Uint8Array | null>;
  head(key: string): Promise<BlobMeta | null>;
  /**
   * Server-side copy (bytes, content type, checksum) to another key, replacing what is there;
   * false when the source is absent. Moves a completed upload out of reach of its upload URL.
   */
  copy(from: string, to: string): Promise<boolean>;
  list(prefix: string): Promise<BlobMeta[]>;
  delete(key: string): Promise<void>;
  /** Returns how many objects were removed; the empty prefix is refused (BAD_REQUEST). */
  deleteByPrefix(prefix: string): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Adapters that store the bytes themselves (local files) encrypt them at rest with the domain's
   * sealing: the same objects, new writes sealed. Absent where the engine encrypts (S3: SSE-S3).
   */
  sealWith?(sealing: BlobSealing): BlobPort;
}

import type { BlobSealing } from './sealing.ts';

/** Keys are server-generated: `[A-Za-z0-9/_.-]`, no `..`, no leading slash. */
export const BLOB_KEY_PATTERN = /^(?!.*\.\.)(?!\/)[A-Za-z0-9/_.-]{1,512}$/;
