import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobPort, PresignedRequest } from '../../infra/blob/port.ts';

/**
 * The blob port's contract, run unchanged on every adapter (local files, S3/MinIO/SeaweedFS).
 * Only the port and plain fetch() to the presigned URLs are used, and refusals are asserted as
 * the engines agree on them: 403 for expired or altered URLs; any 4xx (S3 says 403, the local
 * runtime 400) for a body that breaks the signed constraints — and then nothing is stored.
 * Every test works under its own random key prefix so the suite can share a real bucket.
 */
export function blobContract(factory: () => Promise<BlobPort>): void {
  describe('blob port contract', () => {
    let blob: BlobPort;
    const runPrefix = `contract-${randomUUID().slice(0, 8)}/`;

    beforeAll(async () => {
      blob = await factory();
    });

    afterAll(async () => {
      await blob.deleteByPrefix(runPrefix);
      await blob.close();
    });

    const freshPrefix = () => `${runPrefix}${randomUUID().slice(0, 8)}/`;
    const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');
    const text = (value: string) => new TextEncoder().encode(value);
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    function send(request: PresignedRequest, body?: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
      // A plain Uint8Array copy: fetch's types (and some runtimes) do not take Node Buffers.
      return fetch(request.url, { method: request.method, headers: { ...request.headers, ...headers }, ...(body ? { body: new Uint8Array(body) } : {}) });
    }

    async function expectNothingStored(key: string): Promise<void> {
      expect(await blob.head(key)).toBeNull();
      expect(await blob.get(key)).toBeNull();
    }

    /** The URL with one search parameter (matched by name) altered. */
    function alterParam(url: string, namePattern: RegExp, alter: (value: string) => string): string {
      const parsed = new URL(url);
      const name = [...parsed.searchParams.keys()].find((candidate) => namePattern.test(candidate));
      expect(name).toBeDefined();
      parsed.searchParams.set(name as string, alter(parsed.searchParams.get(name as string) ?? ''));
      return parsed.toString();
    }

    describe('copy', () => {
      it('copies bytes, type and checksum; the copy outlives a later write to the source', async () => {
        const prefix = freshPrefix();
        const bytes = text('verified bytes');
        await blob.put(`${prefix}upload`, bytes, { contentType: 'text/plain' });
        expect(await blob.copy(`${prefix}upload`, `${prefix}final`)).toBe(true);
        await blob.put(`${prefix}upload`, text('replaced later'), { contentType: 'text/plain' });
        expect(Buffer.from((await blob.get(`${prefix}final`))!).toString()).toBe('verified bytes');
        const meta = await blob.head(`${prefix}final`);
        expect(meta).toMatchObject({ size: bytes.byteLength, contentType: 'text/plain' });
        if (meta?.checksumSha256) expect(meta.checksumSha256).toBe(sha256(bytes));
      });

      it('answers false for an absent source and writes nothing', async () => {
        const prefix = freshPrefix();
        expect(await blob.copy(`${prefix}absent`, `${prefix}final`)).toBe(false);
        await expectNothingStored(`${prefix}final`);
      });
    });

    describe('presigned upload', () => {
      it('stores exactly the bytes and metadata that were uploaded', async () => {
        const key = `${freshPrefix()}photo.png`;
        const body = randomBytes(4096);
        const upload = await blob.presignPut(key, { contentType: 'image/png', contentLength: body.length, checksumSha256: sha256(body), expiresInSec: 60 });
        expect(upload.method).toBe('PUT');
        expect(upload.expiresAt).toBeGreaterThan(Date.now());
        const response = await send(upload, body);
        expect(response.status).toBe(200);

        const meta = await blob.head(key);
        expect(meta).toMatchObject({ key, size: body.length, contentType: 'image/png', lastModified: expect.any(Number) });
        if (meta?.checksumSha256 !== undefined) expect(meta.checksumSha256).toBe(sha256(body));
        expect(Buffer.from((await blob.get(key)) ?? [])).toEqual(body);
      });

      it('works without a declared checksum and for an empty body', async () => {
        const key = `${freshPrefix()}empty.txt`;
        const upload = await blob.presignPut(key, { contentType: 'text/plain', contentLength: 0, expiresInSec: 60 });
        expect((await send(upload, new Uint8Array(0))).status).toBe(200);
        expect(await blob.head(key)).toMatchObject({ size: 0, contentType: 'text/plain' });
        expect((await blob.get(key))?.length).toBe(0);
      });

      it('refuses another content type', async () => {
        const key = `${freshPrefix()}a.png`;
        const body = text('not really a png');
        const upload = await blob.presignPut(key, { contentType: 'image/png', contentLength: body.length, expiresInSec: 60 });
        const response = await send(upload, body, { 'content-type': 'text/html' });
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        await expectNothingStored(key);
      });

      it('refuses a body longer or shorter than declared', async () => {
        const key = `${freshPrefix()}sized.bin`;
        const upload = await blob.presignPut(key, { contentType: 'application/octet-stream', contentLength: 10, expiresInSec: 60 });
        for (const body of [randomBytes(11), randomBytes(9)]) {
          const response = await send(upload, body);
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
        }
        await expectNothingStored(key);
      });

      it('refuses a streamed body (no Content-Length) of another length', async () => {
        const key = `${freshPrefix()}streamed.bin`;
        const upload = await blob.presignPut(key, { contentType: 'application/octet-stream', contentLength: 10, expiresInSec: 60 });
        for (const size of [4, 64 * 1024]) {
          const body = new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(randomBytes(size));
              controller.close();
            },
          });
          // Node's fetch streams a ReadableStream body chunked; `duplex` is required for that.
          const init = { method: 'PUT', headers: upload.headers, body, duplex: 'half' } as RequestInit;
          const response = await fetch(upload.url, init);
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
          await response.arrayBuffer();
        }
        await expectNothingStored(key);
      });

      it('refuses a body whose SHA-256 differs from the declared checksum', async () => {
        const key = `${freshPrefix()}checked.bin`;
        const declared = randomBytes(64);
        const upload = await blob.presignPut(key, { contentType: 'application/octet-stream', contentLength: 64, checksumSha256: sha256(declared), expiresInSec: 60 });
        const response = await send(upload, randomBytes(64));
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        await expectNothingStored(key);
      });

      it('refuses an expired URL', async () => {
        const key = `${freshPrefix()}late.txt`;
        const body = text('too late');
        const upload = await blob.presignPut(key, { contentType: 'text/plain', contentLength: body.length, expiresInSec: 1 });
        await sleep(2100);
        expect((await send(upload, body)).status).toBe(403);
        await expectNothingStored(key);
      });

      it('refuses an altered URL: other key, signature or expiry, or another method', async () => {
        const prefix = freshPrefix();
        const key = `${prefix}signed.txt`;
        const body = text('signed body');
        const upload = await blob.presignPut(key, { contentType: 'text/plain', contentLength: body.length, expiresInSec: 60 });
        const otherKey = { ...upload, url: upload.url.replace('/signed.txt?', '/other.txt?') };
        const badSignature = { ...upload, url: alterParam(upload.url, /signature/i, (sig) => (sig.startsWith('a') ? 'b' : 'a') + sig.slice(1)) };
        const laterExpiry = { ...upload, url: alterParam(upload.url, /expires/i, (value) => String(Number(value) + 3600)) };
        expect(otherKey.url).not.toBe(upload.url);
        for (const altered of [otherKey, badSignature, laterExpiry]) {
          expect((await send(altered, body)).status).toBe(403);
        }
        expect((await fetch(upload.url, { method: 'GET' })).status).toBe(403);
        await expectNothingStored(key);
        await expectNothingStored(`${prefix}other.txt`);
      });
    });

    describe('presigned download', () => {
      it('serves the bytes with their content type, and a download name when asked', async () => {
        const key = `${freshPrefix()}report.pdf`;
        const body = randomBytes(300);
        await blob.put(key, body, { contentType: 'application/pdf' });
        const download = await blob.presignGet(key, { expiresInSec: 60 });
        expect(download.method).toBe('GET');
        const response = await send(download);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('application/pdf');
        expect(Buffer.from(await response.arrayBuffer())).toEqual(body);

        const named = await send(await blob.presignGet(key, { expiresInSec: 60, downloadName: 'Quarterly report.pdf' }));
        expect(named.status).toBe(200);
        expect(named.headers.get('content-disposition')).toMatch(/^attachment;.*Quarterly/);
        await named.arrayBuffer();
      });

      it('serves a byte range', async () => {
        const key = `${freshPrefix()}ranged.txt`;
        await blob.put(key, text('0123456789'), { contentType: 'text/plain' });
        const response = await send(await blob.presignGet(key, { expiresInSec: 60 }), undefined, { range: 'bytes=2-5' });
        expect(response.status).toBe(206);
        expect(response.headers.get('content-range')).toBe('bytes 2-5/10');
        expect(await response.text()).toBe('2345');
      });

      it('stops working once expired', async () => {
        const key = `${freshPrefix()}short-lived.txt`;
        await blob.put(key, text('brief'), { contentType: 'text/plain' });
        const download = await blob.presignGet(key, { expiresInSec: 1 });
        await sleep(2100);
        const response = await send(download);
        expect(response.status).toBe(403);
        expect(await response.text()).not.toContain('brief');
      });

      it('answers 404 for a missing object', async () => {
        const response = await send(await blob.presignGet(`${freshPrefix()}missing.txt`, { expiresInSec: 60 }));
        expect(response.status).toBe(404);
        await response.arrayBuffer();
      });
    });

    it('puts, overwrites and reads objects and ranges directly', async () => {
      const key = `${freshPrefix()}direct.txt`;
      await blob.put(key, text('first version'), { contentType: 'text/plain' });
      await blob.put(key, text('hello world'), { contentType: 'text/markdown' });
      expect(new TextDecoder().decode((await blob.get(key)) ?? undefined)).toBe('hello world');
      expect(await blob.head(key)).toMatchObject({ key, size: 11, contentType: 'text/markdown' });
      expect(new TextDecoder().decode((await blob.get(key, { start: 0, end: 4 })) ?? undefined)).toBe('hello');
      // An end past the object is cut to its last byte; a start past it is refused.
      expect(new TextDecoder().decode((await blob.get(key, { start: 6, end: 1000 })) ?? undefined)).toBe('world');
      await expect(blob.get(key, { start: 11, end: 20 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });

    it('returns null for a missing object', async () => {
      const key = `${freshPrefix()}nothing-here`;
      expect(await blob.head(key)).toBeNull();
      expect(await blob.get(key)).toBeNull();
      expect(await blob.get(key, { start: 0, end: 10 })).toBeNull();
    });

    it('lists by prefix in key order, keeping an object and a "folder" of the same name apart', async () => {
      const prefix = freshPrefix();
      const keys = [`${prefix}b/c`, `${prefix}a`, `${prefix}bb`, `${prefix}b`];
      for (const key of keys) await blob.put(key, text(key), { contentType: 'text/plain' });
      await blob.put(`${freshPrefix()}a`, text('elsewhere'), { contentType: 'text/plain' });

      const listed = await blob.list(prefix);
      expect(listed.map((meta) => meta.key)).toEqual([...keys].sort());
      expect(listed.find((meta) => meta.key === `${prefix}bb`)).toMatchObject({ size: `${prefix}bb`.length, contentType: 'text/plain' });
      expect((await blob.list(`${prefix}b`)).map((meta) => meta.key)).toEqual([`${prefix}b`, `${prefix}b/c`, `${prefix}bb`]);
      expect((await blob.list(`${prefix}b/`)).map((meta) => meta.key)).toEqual([`${prefix}b/c`]);
      expect(await blob.list(`${prefix}zzz`)).toEqual([]);
    });

    it('deletes one object, and deleting a missing one is a no-op', async () => {
      const prefix = freshPrefix();
      await blob.put(`${prefix}keep`, text('keep'), { contentType: 'text/plain' });
      await blob.put(`${prefix}drop`, text('drop'), { contentType: 'text/plain' });
      await blob.delete(`${prefix}drop`);
      await blob.delete(`${prefix}never-was`);
      await expectNothingStored(`${prefix}drop`);
      expect((await blob.list(prefix)).map((meta) => meta.key)).toEqual([`${prefix}keep`]);
    });

    it('deletes by prefix and returns how many objects it removed', async () => {
      const prefix = freshPrefix();
      for (const key of ['media/1', 'media/2/x', 'media/3', 'exports/1']) {
        await blob.put(`${prefix}${key}`, text(key), { contentType: 'text/plain' });
      }
      expect(await blob.deleteByPrefix(`${prefix}media/`)).toBe(3);
      expect((await blob.list(prefix)).map((meta) => meta.key)).toEqual([`${prefix}exports/1`]);
      expect(await blob.deleteByPrefix(`${prefix}media/`)).toBe(0);
      await expect(blob.deleteByPrefix('')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });

    it('refuses invalid keys everywhere', async () => {
      const invalid = ['', '/leading-slash', 'a/../b', '..', 'with space', 'ümlaut', 'a?b', 'x'.repeat(513)];
      for (const key of invalid) {
        await expect(blob.put(key, text('x'), { contentType: 'text/plain' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
        await expect(blob.get(key)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
        await expect(blob.head(key)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
        await expect(blob.delete(key)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
        await expect(blob.presignPut(key, { contentType: 'text/plain', contentLength: 1, expiresInSec: 60 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
        await expect(blob.presignGet(key, { expiresInSec: 60 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      }
    });

    it('refuses presign options outside the engine limits', async () => {
      const key = `${freshPrefix()}limits`;
      const put = { contentType: 'text/plain', contentLength: 1, expiresInSec: 60 };
      await expect(blob.presignPut(key, { ...put, expiresInSec: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(blob.presignPut(key, { ...put, expiresInSec: 7 * 24 * 3600 + 1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(blob.presignPut(key, { ...put, contentLength: -1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(blob.presignPut(key, { ...put, checksumSha256: 'not-base64-sha256' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(blob.presignPut(key, { ...put, contentType: 'text/plain\r\nx-injected: 1' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });

    it('answers ping', async () => {
      await expect(blob.ping()).resolves.toBeUndefined();
    });
  });
}
