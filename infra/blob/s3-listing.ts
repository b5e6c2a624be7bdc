/**
 * The S3 adapter's object metadata and its walks over a prefix: listing pages, a HEAD per key
 * (S3 listings carry no content type) and batched deletes. Keys and prefixes arrive validated.
 */
import { DeleteObjectsCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { AppError } from '../../runtime/errors.ts';
import type { BlobMeta } from './port.ts';
import { S3_ADAPTER, type S3Bucket } from './s3-bucket.ts';
import { isMissingObject } from './s3-errors.ts';

/** DeleteObjects takes at most 1000 keys; HEADs for a listing run this many at a time. */
const DELETE_BATCH = 1000;
const HEAD_CONCURRENCY = 16;

export async function headObject(bucket: S3Bucket, key: string): Promise<BlobMeta | null> {
  return bucket.call('head', async (abortSignal) => {
    try {
      const head = await bucket.client.send(new HeadObjectCommand({ Bucket: bucket.name, Key: key, ChecksumMode: 'ENABLED' }), { abortSignal });
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

/** Every object under prefix in key order. */
export async function listObjects(bucket: S3Bucket, prefix: string): Promise<BlobMeta[]> {
  const metas: BlobMeta[] = [];
  for await (const keys of keyPages(bucket, prefix)) {
    for (let i = 0; i < keys.length; i += HEAD_CONCURRENCY) {
      const heads = await Promise.all(keys.slice(i, i + HEAD_CONCURRENCY).map((key) => headObject(bucket, key)));
      // An object deleted between the listing and its HEAD is simply gone.
      for (const meta of heads) if (meta) metas.push(meta);
    }
  }
  return metas;
}

/** Returns how many objects were removed. */
export async function deleteObjectsUnder(bucket: S3Bucket, prefix: string): Promise<number> {
  let removed = 0;
  for await (const keys of keyPages(bucket, prefix)) {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) removed += await deleteBatch(bucket, keys.slice(i, i + DELETE_BATCH));
  }
  return removed;
}

/** Keys under prefix, one listing page (up to 1000) at a time. */
async function* keyPages(bucket: S3Bucket, prefix: string): AsyncGenerator<string[]> {
  let token: string | undefined;
  do {
    const page = await bucket.call('list', (abortSignal) =>
      bucket.client.send(new ListObjectsV2Command({ Bucket: bucket.name, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }), { abortSignal }),
    );
    const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
    if (keys.length > 0) yield keys;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

async function deleteBatch(bucket: S3Bucket, keys: string[]): Promise<number> {
  const result = await bucket.call('deleteByPrefix', (abortSignal) =>
    bucket.client.send(new DeleteObjectsCommand({ Bucket: bucket.name, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: false } }), { abortSignal }),
  );
  const failed = result.Errors ?? [];
  if (failed.length > 0) {
    const first = failed[0];
    throw new AppError('ENGINE_UNAVAILABLE', `[${S3_ADAPTER}] deleteByPrefix could not remove ${failed.length} object(s), e.g. ${first?.Key}: ${first?.Code} ${first?.Message}`);
  }
  return result.Deleted?.length ?? 0;
}
