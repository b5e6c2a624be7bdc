import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { filesContaining } from '../support/byte-scan.ts';
import { createTestApp, createTestUser, type TestApp } from '../support/fixtures.ts';
import type { ApiCall } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

/**
 * Blob files encrypted at rest, end to end: a file uploaded by presigned URL and completed through
 * the media API is sealed in the data dir, yet downloads, ranges and the GDPR export see its bytes.
 * On real engines (S3) the bucket encrypts server-side instead (docs/encryption.md): this asserts
 * what the local files hold, so it runs against the local adapter.
 */
let platform: LocalPlatform;
let call: ApiCall;
let app: TestApp;
let alice: { userId: string; token: string };

const local = useLocalPlatform();
beforeAll(async () => {
  ({ platform, call } = local);
  app = await createTestApp(call, platform.adminToken, 'sealed blobs');
  alice = await createTestUser(call, app, 'alice');
});

const MARKER = 'Pdf-MARKER-3b7c';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

async function uploadPdf(): Promise<{ id: string; bytes: Buffer }> {
  const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n', 'latin1'), Buffer.from(MARKER), randomBytes(100_000), Buffer.from(` ${MARKER} end`)]);
  const declared = await call('POST', '/v1/media/uploads', { token: alice.token, body: { fileName: 'sealed.pdf', contentType: 'application/pdf', size: bytes.length, sha256: sha256(bytes) } });
  expect(declared.status).toBe(201);
  const { upload } = declared.body;
  expect((await fetch(upload.url, { method: upload.method, headers: upload.headers, body: new Uint8Array(bytes) })).status).toBe(200);
  expect((await call('POST', `/v1/media/${declared.body.id}/complete`, { token: alice.token })).status).toBe(200);
  return { id: declared.body.id as string, bytes };
}

/** The data files (not sidecars) under the blob directory whose path names the media id. */
async function dataFilesOf(mediaId: string): Promise<string[]> {
  const root = join(platform.dataDir, 'blobs', 'objects');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.data') && join(entry.parentPath, entry.name).includes(mediaId)).map((entry) => join(entry.parentPath, entry.name));
}

describe('blob files encrypted at rest (local mode)', () => {
  it('the data dir holds no byte of the file in clear; the download and a range return the exact bytes', async () => {
    expect(platform.services.ports.blob.name).toBe('local');
    const { id, bytes } = await uploadPdf();
    expect(await filesContaining(join(platform.dataDir, 'blobs'), MARKER)).toEqual([]);
    expect(await dataFilesOf(id)).not.toEqual([]);

    const link = await call('GET', `/v1/media/${id}`, { token: alice.token });
    expect(link.status).toBe(200);
    const whole = await fetch(link.body.download.url);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    const ranged = await fetch(link.body.download.url, { headers: { range: 'bytes=65530-65600' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(65_530, 65_601))).toBe(true);
  });

  it('a tampered file answers a problem naming the object (DECRYPTION_FAILED), never altered bytes', async () => {
    const { id } = await uploadPdf();
    const [file] = await dataFilesOf(id);
    const stored = await readFile(file!);
    stored[200]! ^= 0x40;
    await writeFile(file!, stored);
    const link = await call('GET', `/v1/media/${id}`, { token: alice.token });
    const download = await fetch(link.body.download.url);
    expect(download.status).toBe(500);
    const problem = (await download.json()) as { code: string; detail: string };
    expect(problem.code).toBe('DECRYPTION_FAILED');
    expect(problem.detail).toMatch(new RegExp(`cannot decrypt blobs/\\S*${id}\\S* of app ${app.appId}, segment 0: the file was altered, reordered or cut`));
  });
});
