import { randomUUID } from 'node:crypto';
import { DeleteBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBlob } from '../../infra/blob/index.ts';
import { loadConfig } from '../../runtime/config.ts';
import { blobContract } from '../contract/blob.contract.ts';

/** The blob contract on the S3 server named by S3_ENDPOINT (SeaweedFS here, MinIO in compose). */
const config = loadConfig();
const endpoint = config.S3_ENDPOINT as string;

beforeAll(async () => {
  // S3 has no version call; servers name themselves in the Server header of any answer.
  const response = await fetch(`${endpoint}/${config.S3_BUCKET}`, { method: 'HEAD' });
  console.log(`blob contract on S3 at ${endpoint}: ${response.headers.get('server') ?? 'server did not say'}`);
});

blobContract(() => createBlob(config));

describe('S3 blob adapter', () => {
  it('creates its bucket on first use when it does not exist yet', async () => {
    const bucket = `caas-test-${randomUUID().slice(0, 8)}`;
    const blob = await createBlob({ ...config, S3_BUCKET: bucket });
    try {
      expect(blob.name).toBe('s3');
      await blob.put('a1/first', new TextEncoder().encode('first object'), { contentType: 'text/plain' });
      expect(await blob.head('a1/first')).toMatchObject({ size: 12, contentType: 'text/plain' });
      // A second adapter on the same bucket finds it there and starts as well.
      const again = await createBlob({ ...config, S3_BUCKET: bucket });
      expect(await again.list('a1/')).toHaveLength(1);
      await again.close();
    } finally {
      await blob.deleteByPrefix('a1/');
      await blob.close();
      await removeBucket(bucket);
    }
  });

  it('with S3_SERVER_SIDE_ENCRYPTION=AES256 every write asks for SSE-S3: stored encrypted by the engine, or refused, never in clear', async () => {
    const blob = await createBlob({ ...config, S3_SERVER_SIDE_ENCRYPTION: 'AES256' });
    const prefix = `sse-${randomUUID().slice(0, 8)}/`;
    const s3 = new S3Client({ endpoint, region: config.S3_REGION, forcePathStyle: true, credentials: { accessKeyId: config.S3_ACCESS_KEY_ID!, secretAccessKey: config.S3_SECRET_ACCESS_KEY! } });
    try {
      const body = new TextEncoder().encode('encrypted by the engine');
      const upload = await blob.presignPut(`${prefix}up`, { contentType: 'text/plain', contentLength: body.length, expiresInSec: 60 });
      expect(upload.headers['x-amz-server-side-encryption']).toBe('AES256');
      // The header is signed: an upload without it is refused.
      expect((await fetch(upload.url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body })).status).toBe(403);
      const presigned = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body });
      const direct = await blob.put(`${prefix}put`, body, { contentType: 'text/plain' }).then(() => true, () => false);
      for (const [key, stored] of [[`${prefix}up`, presigned.status === 200], [`${prefix}put`, direct]] as const) {
        // SeaweedFS without a KEK (WEED_S3_SSE_KEY, infra/engines/lib/s3.sh) refuses; one with it encrypts.
        const head = await s3.send(new HeadObjectCommand({ Bucket: config.S3_BUCKET, Key: key })).catch(() => null);
        if (stored) expect(head?.ServerSideEncryption, key).toBe('AES256');
        else expect(head, key).toBeNull();
      }
    } finally {
      await blob.deleteByPrefix(prefix);
      await blob.close();
      s3.destroy();
    }
  });

  it('starts without the server and reports it unreachable on use, naming the adapter', async () => {
    const offline = await createBlob({ ...config, S3_ENDPOINT: 'http://127.0.0.1:1' });
    await expect(offline.ping()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: expect.stringMatching(/^\[blob:s3\]/) });
    await expect(offline.head('a1/x')).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await offline.close();
  });

  it('refuses to start without explicit credentials rather than probe cloud metadata for some', async () => {
    await expect(createBlob({ ...config, S3_SECRET_ACCESS_KEY: undefined })).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
  });

  it('reports wrong credentials as such, without retrying', async () => {
    const misconfigured = await createBlob({ ...config, S3_SECRET_ACCESS_KEY: 'not-the-secret' });
    await expect(misconfigured.ping()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: expect.stringMatching(/^\[blob:s3\].*credentials/) });
    await misconfigured.close();
  });
});

async function removeBucket(bucket: string): Promise<void> {
  const client = new S3Client({
    endpoint,
    region: config.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: config.S3_ACCESS_KEY_ID ?? '', secretAccessKey: config.S3_SECRET_ACCESS_KEY ?? '' },
  });
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  client.destroy();
}
