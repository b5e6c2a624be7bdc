import { createHash, randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { sweepMedia } from '../../functions/media/media-lifecycle.ts';
import { MEDIA, thumbnailKey, type MediaDoc } from '../../functions/media/media-records.ts';
import { makeThumbnail } from '../../workers/media-thumbnails.ts';
import type { ApiCall } from '../support/http-client.ts';
import { createTestApp, createTestUser, type TestApp } from '../support/fixtures.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

/**
 * Media end to end: declare, PUT real bytes to the presigned URL with plain fetch, complete,
 * attach, download as another member; every refusal; thumbnails; clean-up. Storage is inspected
 * only through the blob port's public list/head, the way an operator would look at a bucket.
 */
let platform: LocalPlatform;
let call: ApiCall;

const local = useLocalPlatform();
beforeAll(async () => {
  ({ platform, call } = local);
});

const suffix = () => randomBytes(4).toString('hex');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');
const pdfBytes = (size: number) => Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), randomBytes(size)]);
const png = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#3366ff' } }).png().toBuffer();
const jpeg = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#ff9900' } }).jpeg().toBuffer();

interface Upload {
  method: string;
  url: string;
  headers: Record<string, string>;
  expiresAt: number;
}

async function declare(token: string, body: Record<string, unknown>) {
  return call<{ id: string; upload: Upload; code?: string; errors?: Array<{ path: string }> }>('POST', '/v1/media/uploads', { token, body });
}

function put(upload: Upload, bytes: Uint8Array, headers: Record<string, string> = {}, url = upload.url): Promise<Response> {
  return fetch(url, { method: upload.method, headers: { ...upload.headers, ...headers }, body: new Uint8Array(bytes) });
}

async function upload(token: string, fileName: string, contentType: string, bytes: Uint8Array): Promise<string> {
  const declared = await declare(token, { fileName, contentType, size: bytes.byteLength, sha256: sha256(bytes) });
  expect(declared.status).toBe(201);
  expect((await put(declared.body.upload, bytes)).status).toBe(200);
  const completed = await call('POST', `/v1/media/${declared.body.id}/complete`, { token });
  expect(completed.status).toBe(200);
  return declared.body.id;
}

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const objectKeys = async (appId: string) => (await platform.services.ports.blob.list(`${appId}/`)).map((meta) => meta.key);
const objectsOf = async (appId: string, mediaId: string) => (await objectKeys(appId)).filter((key) => key.includes(mediaId));

interface Room {
  app: TestApp;
  alice: { userId: string; token: string };
  bob: { userId: string; token: string };
  carol: { userId: string; token: string };
  conversationId: string;
}

/** An app where alice and bob share a group and carol is a user of the app outside it. */
async function room(): Promise<Room> {
  const app = await createTestApp(call, platform.adminToken, `media ${suffix()}`);
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => createTestUser(call, app, `${name}-${suffix()}`)));
  const group = await call('POST', '/v1/conversations', { token: alice!.token, body: { type: 'group', name: 'photos', memberIds: [bob!.userId] } });
  expect(group.status).toBe(201);
  return { app, alice: alice!, bob: bob!, carol: carol!, conversationId: group.body.id };
}

async function send(token: string, conversationId: string, attachments: string[]) {
  return call('POST', `/v1/conversations/${conversationId}/messages`, { token, body: { text: 'look', attachments } });
}

async function download(token: string, mediaId: string, query = '') {
  return call('GET', `/v1/media/${mediaId}${query}`, { token });
}

describe('upload, attach, download', () => {
  it('uploads real bytes by presigned URL and another member downloads the identical bytes', async () => {
    const { alice, bob, conversationId } = await room();
    const bytes = pdfBytes(200_000);
    const declared = await declare(alice.token, { fileName: 'Q3 report.pdf', contentType: 'application/pdf', size: bytes.byteLength, sha256: sha256(bytes) });
    expect(declared.status).toBe(201);
    expect(declared.body.upload).toMatchObject({ method: 'PUT', headers: { 'content-type': 'application/pdf' } });
    expect(declared.body.upload.url).not.toContain('report');

    expect((await put(declared.body.upload, bytes)).status).toBe(200);
    const completed = await call('POST', `/v1/media/${declared.body.id}/complete`, { token: alice.token });
    expect(completed.body).toMatchObject({ id: declared.body.id, status: 'ready', size: bytes.byteLength, contentType: 'application/pdf', uploaderId: alice.userId });

    expect((await send(alice.token, conversationId, [declared.body.id])).status).toBe(201);
    const link = await download(bob.token, declared.body.id);
    expect(link.status).toBe(200);
    expect(link.headers.get('cache-control')).toBe('no-store');
    const fetched = await fetch(link.body.download.url);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(bytes)).toBe(true);
    expect(fetched.headers.get('content-disposition')).toContain('filename="Q3 report.pdf"');
  });

  it('makes thumbnails of a PNG and a JPEG and records their dimensions', async () => {
    const { alice, bob, conversationId } = await room();
    const pngId = await upload(alice.token, 'wide.png', 'image/png', await png(640, 480));
    const jpegId = await upload(alice.token, 'tall.jpg', 'image/jpeg', await jpeg(300, 900));
    expect((await send(alice.token, conversationId, [pngId, jpegId])).status).toBe(201);

    for (const [id, width, height] of [[pngId, 640, 480], [jpegId, 300, 900]] as const) {
      const link = await eventually(async () => {
        const response = await download(bob.token, id, '?variant=thumbnail');
        return response.status === 200 ? response.body : undefined;
      }, `thumbnail of ${id}`);
      expect(link.media).toMatchObject({ width, height, thumbnail: { contentType: 'image/webp' } });
      const thumbnail = Buffer.from(await (await fetch(link.download.url)).arrayBuffer());
      const meta = await sharp(thumbnail).metadata();
      expect(meta.format).toBe('webp');
      expect(Math.max(meta.width, meta.height)).toBe(320);
      expect(meta.width / meta.height).toBeCloseTo(width / height, 1);
    }
  });

  it('answers a redelivered media event without making the thumbnail again', async () => {
    const { app, alice } = await room();
    const id = await upload(alice.token, 'again.png', 'image/png', await png(400, 400));
    await eventually(async () => ((await download(alice.token, id, '?variant=thumbnail')).status === 200 ? true : undefined), 'thumbnail');
    const before = await platform.services.ports.blob.head(thumbnailKey(app.appId, id));
    expect(await makeThumbnail(platform.services, app.appId, id)).toBe('exists');
    expect(await platform.services.ports.blob.head(thumbnailKey(app.appId, id))).toEqual(before);
  });

  it('gives no thumbnail for documents, and only ready media can be attached', async () => {
    const { alice, conversationId } = await room();
    const id = await upload(alice.token, 'notes.txt', 'text/plain', Buffer.from('plain words\n'));
    expect((await download(alice.token, id, '?variant=thumbnail')).status).toBe(404);
    const pending = await declare(alice.token, { fileName: 'later.txt', contentType: 'text/plain', size: 5 });
    const refused = await send(alice.token, conversationId, [pending.body.id]);
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].path).toBe('body.attachments');
  });
});

describe('who may complete and download', () => {
  it('only the uploader completes an upload', async () => {
    const { alice, bob } = await room();
    const bytes = Buffer.from('mine, not yours');
    const declared = await declare(alice.token, { fileName: 'a.txt', contentType: 'text/plain', size: bytes.byteLength });
    await put(declared.body.upload, bytes);
    const stolen = await call('POST', `/v1/media/${declared.body.id}/complete`, { token: bob.token });
    expect(stolen.status).toBe(403);
    expect(stolen.body.detail).toContain('uploader');
    expect((await call('POST', `/v1/media/${declared.body.id}/complete`, { token: alice.token })).body.status).toBe('ready');
  });

  it('downloads only for the uploader, the app, and readers of a message carrying the media', async () => {
    const { app, alice, bob, carol, conversationId } = await room();
    const id = await upload(alice.token, 'private.txt', 'text/plain', Buffer.from('between us'));
    expect((await download(bob.token, id)).status).toBe(404);
    expect((await download(alice.token, id)).status).toBe(200);
    expect((await download(app.serverKey, id)).status).toBe(200);

    await send(alice.token, conversationId, [id]);
    expect((await download(bob.token, id)).status).toBe(200);
    const outsider = await download(carol.token, id);
    expect(outsider.status).toBe(404);
    expect(outsider.body.download).toBeUndefined();
    const otherApp = await createTestApp(call, platform.adminToken, 'other');
    expect((await download(otherApp.serverKey, id)).status).toBe(404);
  });

  it('pending media is the uploader\'s alone: a conflict for them, unknown to everyone else', async () => {
    const { alice, bob } = await room();
    const declared = await declare(alice.token, { fileName: 'soon.txt', contentType: 'text/plain', size: 4 });
    expect((await download(alice.token, declared.body.id)).status).toBe(409);
    expect((await download(bob.token, declared.body.id)).status).toBe(404);
  });
});

describe('bad input is refused and leaves nothing behind', () => {
  it('refuses oversize and disallowed declarations before any URL is issued', async () => {
    const { app, alice } = await room();
    const oversize = await declare(alice.token, { fileName: 'huge.mp4', contentType: 'video/mp4', size: 100 * 1024 * 1024 + 1 });
    expect(oversize.status).toBe(413);
    expect(oversize.body.errors?.[0]?.path).toBe('body.size');
    for (const contentType of ['image/svg+xml', 'text/html', 'application/x-msdownload']) {
      const refused = await declare(alice.token, { fileName: 'x', contentType, size: 10 });
      expect(refused.status).toBe(415);
      expect(refused.body.errors?.[0]?.path).toBe('body.contentType');
    }
    const settings = await call('PUT', '/v1/media/settings', { token: app.serverKey, body: { maxBytes: 1000, allowedTypes: ['image/png'] } });
    expect(settings.status).toBe(200);
    expect((await declare(alice.token, { fileName: 'a.png', contentType: 'image/png', size: 1001 })).status).toBe(413);
    expect((await declare(alice.token, { fileName: 'a.pdf', contentType: 'application/pdf', size: 10 })).status).toBe(415);
    expect((await declare(alice.token, { fileName: 'a.png', contentType: 'Image/PNG', size: 1000 })).status).toBe(201);
    const unknownType = await call('PUT', '/v1/media/settings', { token: app.serverKey, body: { maxBytes: 10, allowedTypes: ['image/svg+xml'] } });
    expect(unknownType.status).toBe(422);
    expect(await platform.services.ports.store.collection<MediaDoc>(MEDIA).countDocuments({ appId: app.appId })).toBe(1);
  });

  it('storage refuses another size, type or body than declared; completing then says nothing arrived', async () => {
    const { app, alice } = await room();
    const bytes = Buffer.from('exactly twenty bytes');
    const declared = await declare(alice.token, { fileName: 'a.txt', contentType: 'text/plain', size: bytes.byteLength, sha256: sha256(bytes) });
    const { upload: target, id } = declared.body;
    // Local storage answers 400 like S3 does for a bad digest; S3 answers 403 when a signed header differs.
    for (const refused of [
      await put(target, Buffer.from('twenty-one bytes, one more')),
      await put(target, bytes, { 'content-type': 'text/html' }),
      await put(target, Buffer.from('exactly twenty BYTES')),
    ]) expect([400, 403]).toContain(refused.status);
    const completed = await call('POST', `/v1/media/${id}/complete`, { token: alice.token });
    expect(completed.status).toBe(409);
    expect(completed.body.detail).toContain('Nothing was uploaded');
    expect(await objectsOf(app.appId, id)).toEqual([]);
  });

  it('rejects bytes whose real type is not the declared one and removes them', async () => {
    const { app, alice, conversationId } = await room();
    const cases: Array<[string, Buffer, string]> = [
      ['image/png', await jpeg(20, 20), 'image/jpeg'],
      ['text/plain', await png(8, 8), 'image/png'],
      ['image/png', randomBytes(300), 'not a recognizable format'],
      ['application/pdf', Buffer.from('%PDX not really a pdf'), 'not a recognizable format'],
    ];
    for (const [contentType, bytes, seen] of cases) {
      const declared = await declare(alice.token, { fileName: 'f', contentType, size: bytes.byteLength });
      expect((await put(declared.body.upload, bytes)).status).toBe(200);
      const completed = await call('POST', `/v1/media/${declared.body.id}/complete`, { token: alice.token });
      expect(completed.status).toBe(422);
      expect(completed.body.detail).toContain(seen);
      expect(await objectsOf(app.appId, declared.body.id)).toEqual([]);
      expect((await call('POST', `/v1/media/${declared.body.id}/complete`, { token: alice.token })).status).toBe(422);
      expect((await send(alice.token, conversationId, [declared.body.id])).status).toBe(422);
    }
  });

  it('refuses expired and tampered URLs, for uploads and downloads', async () => {
    const { alice } = await room();
    const bytes = Buffer.from('short-lived');
    const quick = await declare(alice.token, { fileName: 'q.txt', contentType: 'text/plain', size: bytes.byteLength, expiresInSec: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await put(quick.body.upload, bytes)).status).toBe(403);

    const declared = await declare(alice.token, { fileName: 't.txt', contentType: 'text/plain', size: bytes.byteLength });
    const other = await declare(alice.token, { fileName: 'o.txt', contentType: 'text/plain', size: bytes.byteLength });
    const retargeted = declared.body.upload.url.replace(declared.body.id, other.body.id);
    expect((await put(declared.body.upload, bytes, {}, retargeted)).status).toBe(403);
    const bigger = new URL(declared.body.upload.url);
    for (const [name, value] of bigger.searchParams) if (/length/i.test(name) && value === String(bytes.byteLength)) bigger.searchParams.set(name, '999');
    // Local URLs carry the signed length in the query (403 when altered); S3 signs the header (400 for another length).
    const longer = await put(declared.body.upload, Buffer.alloc(999), {}, bigger.toString());
    expect([400, 403]).toContain(longer.status);

    expect((await put(declared.body.upload, bytes)).status).toBe(200);
    await call('POST', `/v1/media/${declared.body.id}/complete`, { token: alice.token });
    const link = await download(alice.token, declared.body.id, '?expiresInSec=1');
    expect((await fetch(link.body.download.url.replace(declared.body.id, other.body.id))).status).toBe(403);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await fetch(link.body.download.url)).status).toBe(403);
  });

  it('refuses file names that carry paths, control characters or direction overrides', async () => {
    const { app, alice } = await room();
    for (const fileName of ['../../etc/passwd', '..\\..\\boot.ini', 'a/b.txt', '..', 'line\r\nX-Injected: 1.txt', 'invoice\u202Efdp.exe', ' padded.txt']) {
      const refused = await declare(alice.token, { fileName, contentType: 'text/plain', size: 3 });
      expect(refused.status).toBe(422);
      expect(refused.body.errors?.[0]?.path).toBe('body.fileName');
    }
    const id = await upload(alice.token, 'résumé "final".txt', 'text/plain', Buffer.from('cv'));
    const fetched = await fetch((await download(alice.token, id)).body.download.url);
    expect(fetched.headers.get('content-disposition')).toContain(`filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.txt`);
    expect(await objectKeys(app.appId)).toEqual([`${app.appId}/media/${id}`]);
  });

  it('leaves no object that no media record accounts for', async () => {
    const { app, alice } = await room();
    await upload(alice.token, 'kept.png', 'image/png', await png(50, 50));
    const rejected = await declare(alice.token, { fileName: 'r.png', contentType: 'image/png', size: 4 });
    await put(rejected.body.upload, Buffer.from('nope'));
    await call('POST', `/v1/media/${rejected.body.id}/complete`, { token: alice.token });
    const records = await platform.services.ports.store.collection<MediaDoc>(MEDIA).find({ appId: app.appId });
    const accounted = new Set(records.flatMap((media) => [media.key, thumbnailKey(app.appId, media._id)]));
    for (const key of await objectKeys(app.appId)) expect(accounted.has(key)).toBe(true);
  });
});

describe('lifecycle', () => {
  it('sweeps uploads never completed once their URL has long expired', async () => {
    const { app, alice } = await room();
    const uploaded = await declare(alice.token, { fileName: 'u.txt', contentType: 'text/plain', size: 4 });
    await put(uploaded.body.upload, Buffer.from('left'));
    const never = await declare(alice.token, { fileName: 'n.txt', contentType: 'text/plain', size: 4 });
    const kept = await upload(alice.token, 'k.txt', 'text/plain', Buffer.from('kept'));

    expect((await sweepMedia(platform.services, { now: Date.now(), appId: app.appId })).expired).toBe(0);
    const swept = await sweepMedia(platform.services, { now: Date.now() + 2 * 3600_000, appId: app.appId });
    expect(swept.expired).toBe(2);
    expect(await objectKeys(app.appId)).toEqual([`${app.appId}/media/${kept}`]);
    for (const id of [uploaded.body.id, never.body.id]) expect((await call('POST', `/v1/media/${id}/complete`, { token: alice.token })).status).toBe(404);
  });

  it('deleting a message removes media attached only to it', async () => {
    const { app, alice, bob, conversationId } = await room();
    const only = await upload(alice.token, 'only.txt', 'text/plain', Buffer.from('only here'));
    const shared = await upload(alice.token, 'shared.txt', 'text/plain', Buffer.from('twice'));
    const first = await send(alice.token, conversationId, [only, shared]);
    expect((await send(bob.token, conversationId, [shared])).status).toBe(201);

    expect((await call('DELETE', `/v1/messages/${first.body.id}`, { token: alice.token })).status).toBe(204);
    await eventually(async () => ((await objectsOf(app.appId, only)).length === 0 ? true : undefined), 'media of the deleted message removed');
    expect((await download(alice.token, only)).status).toBe(404);
    expect((await download(bob.token, shared)).status).toBe(200);
    expect(await objectsOf(app.appId, shared)).toHaveLength(1);
  });

  it('erasing a user removes their uploads and nobody else\'s', async () => {
    const { app, alice, bob } = await room();
    const ready = await upload(bob.token, 'b.png', 'image/png', await png(30, 30));
    const pending = await declare(bob.token, { fileName: 'p.txt', contentType: 'text/plain', size: 4 });
    await put(pending.body.upload, Buffer.from('wait'));
    const alices = await upload(alice.token, 'a.txt', 'text/plain', Buffer.from('mine'));

    expect((await call('DELETE', `/v1/users/${bob.userId}`, { token: app.serverKey })).status).toBe(204);
    await eventually(async () => ((await objectKeys(app.appId)).every((key) => key.includes(alices)) ? true : undefined), "bob's objects removed");
    expect((await download(app.serverKey, ready)).status).toBe(404);
    expect((await download(alice.token, alices)).status).toBe(200);
  });

  it('reports per-app usage to the server key', async () => {
    const { app, alice } = await room();
    const first = pdfBytes(1000);
    await upload(alice.token, 'a.pdf', 'application/pdf', first);
    await upload(alice.token, 'b.txt', 'text/plain', Buffer.from('0123456789'));
    await declare(alice.token, { fileName: 'c.txt', contentType: 'text/plain', size: 77 });
    const usage = await call('GET', '/v1/media/usage', { token: app.serverKey });
    expect(usage.status).toBe(200);
    expect(usage.body).toMatchObject({ ready: { count: 2, bytes: first.byteLength + 10 }, pending: { count: 1, bytes: 77 }, thumbnails: { count: 0 } });
    expect(usage.body.totalBytes).toBe(first.byteLength + 10 + 77);
    expect((await call('GET', '/v1/media/usage', { token: alice.token })).status).toBe(403);
  });
});
