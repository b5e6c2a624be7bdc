/**
 * The S3 adapter's presigned URLs, signed locally by the bucket's signer once the bucket exists. An
 * upload URL signs its type, length, checksum and SSE headers, so S3 refuses any other body.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AppError } from '../../runtime/errors.ts';
import { attachmentDisposition } from './content-disposition.ts';
import { parseKey, parsePresignGet, parsePresignPut } from './input.ts';
import type { PresignedRequest, PresignGetOptions, PresignPutOptions } from './port.ts';
import { S3_ADAPTER, type S3Bucket } from './s3-bucket.ts';

export async function presignPut(bucket: S3Bucket, key: string, options: PresignPutOptions): Promise<PresignedRequest> {
  const validKey = parseKey(S3_ADAPTER, key);
  const valid = parsePresignPut(S3_ADAPTER, options);
  const command = new PutObjectCommand({
    Bucket: bucket.name,
    Key: validKey,
    ContentType: valid.contentType,
    ContentLength: valid.contentLength,
    ...(valid.checksumSha256 !== undefined ? { ChecksumSHA256: valid.checksumSha256 } : {}),
    ...bucket.sse,
  });
  // Type, length, checksum (and SSE) are signed request headers, so S3 refuses any other body or
  // an upload without encryption; the checksum must stay a header for S3 to verify the body.
  const url = await sign(bucket, command, valid.expiresInSec, {
    signableHeaders: new Set(['content-type', 'content-length']),
    unhoistableHeaders: new Set(['x-amz-checksum-sha256', 'x-amz-server-side-encryption']),
  });
  const headers: Record<string, string> = { 'content-type': valid.contentType };
  if (valid.checksumSha256 !== undefined) headers['x-amz-checksum-sha256'] = valid.checksumSha256;
  if (bucket.sse.ServerSideEncryption) headers['x-amz-server-side-encryption'] = bucket.sse.ServerSideEncryption;
  return { method: 'PUT', url, headers, expiresAt: Date.now() + valid.expiresInSec * 1000 };
}

export async function presignGet(bucket: S3Bucket, key: string, options: PresignGetOptions): Promise<PresignedRequest> {
  const validKey = parseKey(S3_ADAPTER, key);
  const valid = parsePresignGet(S3_ADAPTER, options);
  const command = new GetObjectCommand({
    Bucket: bucket.name,
    Key: validKey,
    ...(valid.downloadName !== undefined ? { ResponseContentDisposition: attachmentDisposition(valid.downloadName) } : {}),
  });
  const url = await sign(bucket, command, valid.expiresInSec, {});
  return { method: 'GET', url, headers: {}, expiresAt: Date.now() + valid.expiresInSec * 1000 };
}

async function sign(
  bucket: S3Bucket,
  command: PutObjectCommand | GetObjectCommand,
  expiresIn: number,
  headers: { signableHeaders?: Set<string>; unhoistableHeaders?: Set<string> },
): Promise<string> {
  // A URL into a bucket that does not exist would only fail for the client.
  await bucket.ensure();
  try {
    return await getSignedUrl(bucket.signer, command, { expiresIn, ...headers });
  } catch (error) {
    throw new AppError('ENGINE_UNAVAILABLE', `[${S3_ADAPTER}] cannot sign a URL: ${(error as Error).message}`, { cause: error });
  }
}
