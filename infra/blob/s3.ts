import { createHash } from 'node:crypto';
import {
  CopyObjectCommand, CreateBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand,
  HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AppError, isAppError } from '../../runtime/errors.ts';
import { enginePolicy, type EngineGuard } from '../resilience.ts';
import { attachmentDisposition } from './content-disposition.ts';
import { parseContentType, parseKey, parsePrefix, parsePresignGet, parsePresignPut, parseRange } from './input.ts';
import type { BlobMeta, BlobPort, PresignedRequest, PresignGetOptions, PresignPutOptions } from './port.ts';
import { isMissingObject, isTransientS3Error, s3Refusal, s3Status } from './s3-errors.ts';

/**
 * Object storage on S3 or anything that speaks it (MinIO, SeaweedFS). Clients move bytes
 * themselves through presigned URLs; the server only signs, checks and lists.
 *
 * Options (defaults in brackets): `endpoint` (AWS when absent), `region` [us-east-1], `bucket`,
 * `accessKeyId`/`secretAccessKey` (required: the SDK's fallback chain would probe cloud metadata),
 * `forcePathStyle` [true: MinIO and SeaweedFS serve `<endpoint>/<bucket>/<key>`],
 * `timeoutMs` [10 000 per call], `publicEndpoint` [`endpoint`: the address presigned URLs name,
 * for clients that reach the server by another name than this process does, as in docker compose],
 * `serverSideEncryption` [none; `AES256`: SSE-S3 asked for on every write, a signed header of presigned uploads].
 *
 * @example
 *   const blob = await createS3Blob({ endpoint: 'http://127.0.0.1:9000', bucket: 'caas', accessKeyId, secretAccessKey });
 *   const upload = await blob.presignPut('a1/media/m1', { contentType: 'image/png', contentLength: 1234, expiresInSec: 600 });
 */
export interface S3BlobOptions {
  endpoint?: string;
  region?: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle?: boolean;
  timeoutMs?: number;
  publicEndpoint?: string;
  serverSideEncryption?: 'AES256';
}

const NAME = 'blob:s3';
/** DeleteObjects takes at most 1000 keys; HEADs for a listing run this many at a time. */
const DELETE_BATCH = 1000;
const HEAD_CONCURRENCY = 16;

const sha256Base64 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

export class S3Blob implements BlobPort {
  readonly name = 's3';
  private readonly client: S3Client;
  /** Signs presigned URLs: the same client, or one naming the public endpoint. Signing is local, no network. */
  private readonly signer: S3Client;
  private readonly bucket: string;
  private readonly guard: EngineGuard;
  private bucketReady: Promise<void> | undefined;
  /** Spread into every write command: SSE-S3 when configured. */
  private readonly sse: { ServerSideEncryption?: 'AES256' };

  constructor(options: S3BlobOptions) {
    this.bucket = options.bucket;
    this.sse = options.serverSideEncryption ? { ServerSideEncryption: options.serverSideEncryption } : {};
    this.client = S3Blob.client(options, options.endpoint);
    this.signer = options.publicEndpoint ? S3Blob.client(options, options.publicEndpoint) : this.client;
    this.guard = enginePolicy({ engine: NAME, timeoutMs: options.timeoutMs ?? 10_000, isTransient: isTransientS3Error });
  }

  private static client(options: S3BlobOptions, endpoint: string | undefined): S3Client {
    return new S3Client({
      ...(endpoint ? { endpoint } : {}),
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      region: options.region ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? true,
      // The engine policy is the one retry layer; the SDK's own would multiply attempts.
      maxAttempts: 1,
      // Otherwise the SDK adds a CRC32 of the (empty) presign-time body, which no upload matches,
      // and asks GETs for checksum validation headers a presigned download does not need.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /**
   * Creates the bucket when it does not exist yet: once per process, before the first call that
   * needs it (a failed attempt is forgotten, so the next call tries again).
   */
  ensureBucket(): Promise<void> {
    this.bucketReady ??= this.createBucketIfMissing().catch((error: unknown) => {
      this.bucketReady = undefined;
      throw error;
    });
    return this.bucketReady;
  }

  private async createBucketIfMissing(): Promise<void> {
    await this.request('ensureBucket', async (abortSignal) => {
      try {
        await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal });
        return;
      } catch (error) {
        if (s3Status(error) !== 404) throw error;
      }
      try {
        await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }), { abortSignal });
      } catch (error) {
        // Another process created it between our HEAD and CREATE.
        if ((error as Error).name !== 'BucketAlreadyOwnedByYou') throw error;
      }
    });
  }

  async presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    const validKey = parseKey(NAME, key);
    const valid = parsePresignPut(NAME, options);
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: validKey,
      ContentType: valid.contentType,
      ContentLength: valid.contentLength,
      ...(valid.checksumSha256 !== undefined ? { ChecksumSHA256: valid.checksumSha256 } : {}),
      ...this.sse,
    });
    // Type, length, checksum (and SSE) are signed request headers, so S3 refuses any other body or
    // an upload without encryption; the checksum must stay a header for S3 to verify the body.
    const url = await this.sign(command, valid.expiresInSec, {
      signableHeaders: new Set(['content-type', 'content-length']),
      unhoistableHeaders: new Set(['x-amz-checksum-sha256', 'x-amz-server-side-encryption']),
    });
    const headers: Record<string, string> = { 'content-type': valid.contentType };
    if (valid.checksumSha256 !== undefined) headers['x-amz-checksum-sha256'] = valid.checksumSha256;
    if (this.sse.ServerSideEncryption) headers['x-amz-server-side-encryption'] = this.sse.ServerSideEncryption;
    return { method: 'PUT', url, headers, expiresAt: Date.now() + valid.expiresInSec * 1000 };
  }

  async presignGet(key: string, options: PresignGetOptions): Promise<PresignedRequest> {
    const validKey = parseKey(NAME, key);
    const valid = parsePresignGet(NAME, options);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: validKey,
      ...(valid.downloadName !== undefined ? { ResponseContentDisposition: attachmentDisposition(valid.downloadName) } : {}),
    });
    const url = await this.sign(command, valid.expiresInSec, {});
    return { method: 'GET', url, headers: {}, expiresAt: Date.now() + valid.expiresInSec * 1000 };
  }

  async put(key: string, body: Uint8Array, options: { contentType: string }): Promise<void> {
    const validKey = parseKey(NAME, key);
    const contentType = parseContentType(NAME, options.contentType);
    const command = new PutObjectCommand({
      Bucket: this.bucket, Key: validKey, Body: body, ContentType: contentType, ContentLength: body.byteLength,
      ChecksumSHA256: sha256Base64(body), ...this.sse,
    });
    await this.call('put', (abortSignal) => this.client.send(command, { abortSignal }));
  }

  async get(key: string, range?: { start: number; end: number }): Promise<Uint8Array | null> {
    const validKey = parseKey(NAME, key);
    const validRange = range === undefined ? undefined : parseRange(NAME, range);
    return this.call('get', async (abortSignal) => {
      try {
        const command = new GetObjectCommand({
          Bucket: this.bucket,
          Key: validKey,
          ...(validRange ? { Range: `bytes=${validRange.start}-${validRange.end}` } : {}),
        });
        const response = await this.client.send(command, { abortSignal });
        return response.Body ? await response.Body.transformToByteArray() : new Uint8Array(0);
      } catch (error) {
        if (isMissingObject(error)) return null;
        throw error;
      }
    });
  }

  async copy(from: string, to: string): Promise<boolean> {
    const source = parseKey(NAME, from);
    const target = parseKey(NAME, to);
    return this.call('copy', async (abortSignal) => {
      try {
        const command = new CopyObjectCommand({
          Bucket: this.bucket, Key: target, CopySource: `${this.bucket}/${encodeURIComponent(source)}`,
          MetadataDirective: 'COPY', ChecksumAlgorithm: 'SHA256', ...this.sse,
        });
        await this.client.send(command, { abortSignal });
        return true;
      } catch (error) {
        if (isMissingObject(error)) return false;
        throw error;
      }
    });
  }

  async head(key: string): Promise<BlobMeta | null> {
    return this.headValid(parseKey(NAME, key));
  }

  /** Every object under prefix in key order. S3 listings carry no content type, hence a HEAD each. */
  async list(prefix: string): Promise<BlobMeta[]> {
    const validPrefix = parsePrefix(NAME, prefix);
    const metas: BlobMeta[] = [];
    for await (const keys of this.keyPages(validPrefix)) {
      for (let i = 0; i < keys.length; i += HEAD_CONCURRENCY) {
        const heads = await Promise.all(keys.slice(i, i + HEAD_CONCURRENCY).map((key) => this.headValid(key)));
        // An object deleted between the listing and its HEAD is simply gone.
        for (const meta of heads) if (meta) metas.push(meta);
      }
    }
    return metas;
  }

  async delete(key: string): Promise<void> {
    const validKey = parseKey(NAME, key);
    await this.call('delete', (abortSignal) => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: validKey }), { abortSignal }));
  }

  /** Refuses the empty prefix: wiping every tenant's objects is never one call away. */
  async deleteByPrefix(prefix: string): Promise<number> {
    const validPrefix = parseKey(NAME, prefix);
    let removed = 0;
    for await (const keys of this.keyPages(validPrefix)) {
      for (let i = 0; i < keys.length; i += DELETE_BATCH) removed += await this.deleteBatch(keys.slice(i, i + DELETE_BATCH));
    }
    return removed;
  }

  /** One attempt (a readiness probe must answer promptly), after the bucket exists. */
  async ping(): Promise<void> {
    await this.ensureBucket();
    await this.request('ping', async (abortSignal) => {
      try {
        await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal });
      } catch (error) {
        throw new AppError('ENGINE_UNAVAILABLE', `[${NAME}] ping failed: ${(error as Error).message || (error as Error).name}`, { cause: error });
      }
    });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private async headValid(key: string): Promise<BlobMeta | null> {
    return this.call('head', async (abortSignal) => {
      try {
        const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED' }), { abortSignal });
        return {
          key,
          size: head.ContentLength ?? 0,
          contentType: head.ContentType ?? 'application/octet-stream',
          ...(head.ChecksumSHA256 ? { checksumSha256: head.ChecksumSHA256 } : {}),
          lastModified: head.LastModified?.getTime() ?? 0,
        };
      } catch (error) {
        if (isMissingObject(error)) return null;
        throw error;
      }
    });
  }

  /** Keys under prefix, one listing page (up to 1000) at a time. */
  private async *keyPages(prefix: string): AsyncGenerator<string[]> {
    let token: string | undefined;
    do {
      const page = await this.call('list', (abortSignal) =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }), { abortSignal }),
      );
      const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
      if (keys.length > 0) yield keys;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async deleteBatch(keys: string[]): Promise<number> {
    const result = await this.call('deleteByPrefix', (abortSignal) =>
      this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: false } }), { abortSignal }),
    );
    const failed = result.Errors ?? [];
    if (failed.length > 0) {
      const first = failed[0];
      throw new AppError('ENGINE_UNAVAILABLE', `[${NAME}] deleteByPrefix could not remove ${failed.length} object(s), e.g. ${first?.Key}: ${first?.Code} ${first?.Message}`);
    }
    return result.Deleted?.length ?? 0;
  }

  private async sign(command: PutObjectCommand | GetObjectCommand, expiresIn: number, headers: { signableHeaders?: Set<string>; unhoistableHeaders?: Set<string> }): Promise<string> {
    // A URL into a bucket that does not exist would only fail for the client.
    await this.ensureBucket();
    try {
      return await getSignedUrl(this.signer, command, { expiresIn, ...headers });
    } catch (error) {
      throw new AppError('ENGINE_UNAVAILABLE', `[${NAME}] cannot sign a URL: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Every call that needs the bucket: made sure of once, then the request. */
  private async call<T>(operation: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    await this.ensureBucket();
    return this.request(operation, work);
  }

  /** Every network call: the one engine policy, with refusals translated once, here. */
  private request<T>(operation: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.guard(operation, async (signal) => {
      try {
        return await work(signal);
      } catch (error) {
        if (isAppError(error) || isTransientS3Error(error)) throw error;
        throw s3Refusal(NAME, operation, error);
      }
    });
  }
}

/**
 * Builds the adapter without waiting for the server: the process starts while S3 is still down,
 * readiness (ping) reports it, and the bucket is ensured before the first call that needs it.
 */
export async function createS3Blob(options: S3BlobOptions): Promise<S3Blob> {
  return new S3Blob(options);
}
