import { createHash } from 'node:crypto';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { AppError } from '../../runtime/errors.ts';
import { parseContentType, parseKey, parsePrefix, parseRange } from './input.ts';
import type { BlobMeta, BlobPort, PresignedRequest, PresignGetOptions, PresignPutOptions } from './port.ts';
import { S3_ADAPTER, S3Bucket, type S3BlobOptions } from './s3-bucket.ts';
import { isMissingObject } from './s3-errors.ts';
import { deleteObjectsUnder, headObject, listObjects } from './s3-listing.ts';
import { presignGet, presignPut } from './s3-presign.ts';

export type { S3BlobOptions } from './s3-bucket.ts';

const sha256Base64 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

/**
 * Object storage on S3 or anything that speaks it (MinIO, SeaweedFS). Clients move bytes
 * themselves through presigned URLs; the server only signs, checks and lists.
 *
 * The parts: s3-bucket.ts (options with their defaults, SDK clients, engine policy, the bucket
 * created on first use), s3-presign.ts (presigned URLs), s3-listing.ts (metadata, listing and
 * deleting under a prefix), s3-errors.ts (which failures are transient, refusals as AppErrors).
 *
 * @example
 *   const blob = await createS3Blob({ endpoint: 'http://127.0.0.1:9000', bucket: 'caas', accessKeyId, secretAccessKey });
 *   const upload = await blob.presignPut('a1/media/m1', { contentType: 'image/png', contentLength: 1234, expiresInSec: 600 });
 */
export class S3Blob implements BlobPort {
  readonly name = 's3';
  private readonly bucket: S3Bucket;

  constructor(options: S3BlobOptions) {
    this.bucket = new S3Bucket(options);
  }

  /** Creates the bucket unless it exists, once per process (S3Bucket.ensure); every call that needs it waits for it. */
  ensureBucket(): Promise<void> {
    return this.bucket.ensure();
  }

  presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    return presignPut(this.bucket, key, options);
  }

  presignGet(key: string, options: PresignGetOptions): Promise<PresignedRequest> {
    return presignGet(this.bucket, key, options);
  }

  async put(key: string, body: Uint8Array, options: { contentType: string }): Promise<void> {
    const validKey = parseKey(S3_ADAPTER, key);
    const contentType = parseContentType(S3_ADAPTER, options.contentType);
    const command = new PutObjectCommand({
      Bucket: this.bucket.name, Key: validKey, Body: body, ContentType: contentType, ContentLength: body.byteLength,
      ChecksumSHA256: sha256Base64(body), ...this.bucket.sse,
    });
    await this.bucket.call('put', (abortSignal) => this.bucket.client.send(command, { abortSignal }));
  }

  async get(key: string, range?: { start: number; end: number }): Promise<Uint8Array | null> {
    const validKey = parseKey(S3_ADAPTER, key);
    const validRange = range === undefined ? undefined : parseRange(S3_ADAPTER, range);
    return this.bucket.call('get', async (abortSignal) => {
      try {
        const command = new GetObjectCommand({
          Bucket: this.bucket.name,
          Key: validKey,
          ...(validRange ? { Range: `bytes=${validRange.start}-${validRange.end}` } : {}),
        });
        const response = await this.bucket.client.send(command, { abortSignal });
        return response.Body ? await response.Body.transformToByteArray() : new Uint8Array(0);
      } catch (error) {
        if (isMissingObject(error)) return null;
        throw error;
      }
    });
  }

  async copy(from: string, to: string): Promise<boolean> {
    const source = parseKey(S3_ADAPTER, from);
    const target = parseKey(S3_ADAPTER, to);
    return this.bucket.call('copy', async (abortSignal) => {
      try {
        const command = new CopyObjectCommand({
          Bucket: this.bucket.name, Key: target, CopySource: `${this.bucket.name}/${encodeURIComponent(source)}`,
          MetadataDirective: 'COPY', ChecksumAlgorithm: 'SHA256', ...this.bucket.sse,
        });
        await this.bucket.client.send(command, { abortSignal });
        return true;
      } catch (error) {
        if (isMissingObject(error)) return false;
        throw error;
      }
    });
  }

  async head(key: string): Promise<BlobMeta | null> {
    return headObject(this.bucket, parseKey(S3_ADAPTER, key));
  }

  /** Every object under prefix in key order. S3 listings carry no content type, hence a HEAD each. */
  async list(prefix: string): Promise<BlobMeta[]> {
    return listObjects(this.bucket, parsePrefix(S3_ADAPTER, prefix));
  }

  async delete(key: string): Promise<void> {
    const validKey = parseKey(S3_ADAPTER, key);
    await this.bucket.call('delete', (abortSignal) => this.bucket.client.send(new DeleteObjectCommand({ Bucket: this.bucket.name, Key: validKey }), { abortSignal }));
  }

  /** Refuses the empty prefix: wiping every tenant's objects is never one call away. */
  async deleteByPrefix(prefix: string): Promise<number> {
    return deleteObjectsUnder(this.bucket, parseKey(S3_ADAPTER, prefix));
  }

  /** One attempt (a readiness probe must answer promptly), after the bucket exists. */
  async ping(): Promise<void> {
    await this.bucket.ensure();
    await this.bucket.request('ping', async (abortSignal) => {
      try {
        await this.bucket.client.send(new HeadBucketCommand({ Bucket: this.bucket.name }), { abortSignal });
      } catch (error) {
        throw new AppError('ENGINE_UNAVAILABLE', `[${S3_ADAPTER}] ping failed: ${(error as Error).message || (error as Error).name}`, { cause: error });
      }
    });
  }

  async close(): Promise<void> {
    this.bucket.close();
  }
}

/**
 * Builds the adapter without waiting for the server: the process starts while S3 is still down,
 * readiness (ping) reports it, and the bucket is ensured before the first call that needs it.
 */
export async function createS3Blob(options: S3BlobOptions): Promise<S3Blob> {
  return new S3Blob(options);
}
