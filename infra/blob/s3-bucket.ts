import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { enginePolicy, type EngineGuard } from '../resilience.ts';
import { isTransientS3Error, s3Refusal, s3Status } from './s3-errors.ts';

/**
 * How the S3 adapter reaches its bucket: the SDK clients built from the options, the one engine
 * policy every network call goes through (refusals translated by the guard), and the bucket created
 * once per process before the first call that needs it.
 *
 * Options (defaults in brackets): `endpoint` (AWS when absent), `region` [us-east-1], `bucket`,
 * `accessKeyId`/`secretAccessKey` (required: the SDK's fallback chain would probe cloud metadata),
 * `forcePathStyle` [true: MinIO and SeaweedFS serve `<endpoint>/<bucket>/<key>`],
 * `timeoutMs` [10 000 per call], `publicEndpoint` [`endpoint`: the address presigned URLs name,
 * for clients that reach the server by another name than this process does, as in docker compose],
 * `serverSideEncryption` [none; `AES256`: SSE-S3 asked for on every write, a signed header of presigned uploads].
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

/** The adapter's name in its errors and in the engine policy. */
export const S3_ADAPTER = 'blob:s3';

export class S3Bucket {
  readonly name: string;
  readonly client: S3Client;
  /** Signs presigned URLs: the same client, or one naming the public endpoint. Signing is local, no network. */
  readonly signer: S3Client;
  /** Spread into every write command: SSE-S3 when configured. */
  readonly sse: { ServerSideEncryption?: 'AES256' };
  private readonly guard: EngineGuard;
  private ready: Promise<void> | undefined;

  constructor(options: S3BlobOptions) {
    this.name = options.bucket;
    this.sse = options.serverSideEncryption ? { ServerSideEncryption: options.serverSideEncryption } : {};
    this.client = sdkClient(options, options.endpoint);
    this.signer = options.publicEndpoint ? sdkClient(options, options.publicEndpoint) : this.client;
    this.guard = enginePolicy({ engine: S3_ADAPTER, timeoutMs: options.timeoutMs ?? 10_000, isTransient: isTransientS3Error });
  }

  /**
   * Creates the bucket when it does not exist yet: once per process, before the first call that
   * needs it (a failed attempt is forgotten, so the next call tries again).
   */
  ensure(): Promise<void> {
    this.ready ??= this.createIfMissing().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  /** Every call that needs the bucket: made sure of once, then the request. */
  async call<T>(operation: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    await this.ensure();
    return this.request(operation, work);
  }

  /** Every network call: the one engine policy, with refusals translated once, here. */
  request<T>(operation: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.guard(operation, work, (error) => s3Refusal(S3_ADAPTER, operation, error));
  }

  /** Closes both SDK clients (the signer's too, when the public endpoint gave it one of its own). */
  close(): void {
    this.client.destroy();
    if (this.signer !== this.client) this.signer.destroy();
  }

  private async createIfMissing(): Promise<void> {
    await this.request('ensureBucket', async (abortSignal) => {
      try {
        await this.client.send(new HeadBucketCommand({ Bucket: this.name }), { abortSignal });
        return;
      } catch (error) {
        if (s3Status(error) !== 404) throw error;
      }
      try {
        await this.client.send(new CreateBucketCommand({ Bucket: this.name }), { abortSignal });
      } catch (error) {
        // Another process created it between our HEAD and CREATE.
        if ((error as Error).name !== 'BucketAlreadyOwnedByYou') throw error;
      }
    });
  }
}

function sdkClient(options: S3BlobOptions, endpoint: string | undefined): S3Client {
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
