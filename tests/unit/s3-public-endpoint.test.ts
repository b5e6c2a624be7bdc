import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlob } from '../../infra/blob/index.ts';
import { loadConfig } from '../../runtime/config.ts';

// A stand-in S3 that says yes to everything: enough for the adapter to find its bucket, so the
// test sees which host the presigned URLs name. Signing itself never touches the network.
let server: Server;
let internal: string;

beforeAll(async () => {
  server = createServer((_request, response) => response.writeHead(200).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  internal = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const s3 = { S3_BUCKET: 'caas', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret-key' };

describe('S3_PUBLIC_ENDPOINT', () => {
  it('signs upload and download links for the public endpoint while the server talks to the internal one', async () => {
    const blob = await createBlob(loadConfig({ ...s3, S3_ENDPOINT: internal, S3_PUBLIC_ENDPOINT: 'http://localhost:9000' }));
    const upload = await blob.presignPut('a1/media/m1', { contentType: 'image/png', contentLength: 10, expiresInSec: 60 });
    const download = await blob.presignGet('a1/media/m1', { expiresInSec: 60 });
    expect(new URL(upload.url).origin).toBe('http://localhost:9000');
    expect(new URL(upload.url).pathname).toBe('/caas/a1/media/m1');
    expect(new URL(download.url).origin).toBe('http://localhost:9000');
    await blob.close();
  });

  it('without it, links name S3_ENDPOINT', async () => {
    const blob = await createBlob(loadConfig({ ...s3, S3_ENDPOINT: internal }));
    const upload = await blob.presignPut('a1/media/m2', { contentType: 'image/png', contentLength: 10, expiresInSec: 60 });
    expect(new URL(upload.url).origin).toBe(internal);
    await blob.close();
  });

  it('must be a URL', () => {
    expect(() => loadConfig({ S3_PUBLIC_ENDPOINT: 'not a url' })).toThrow(/S3_PUBLIC_ENDPOINT/);
  });
});
