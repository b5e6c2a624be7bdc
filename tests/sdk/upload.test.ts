import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, sha256Base64, uploadFile } from '../../sdk/src/index.ts';
import { startLocalPlatform, type LocalPlatform } from '../support/local-platform.ts';
import { createSdkWorld, eventually, type SdkWorld } from './sdk-world.ts';

describe('SDK upload helper against the local runtime', () => {
  let platform: LocalPlatform;
  let world: SdkWorld;

  beforeAll(async () => {
    platform = await startLocalPlatform();
    world = await createSdkWorld(platform.url, platform.adminToken, ['ann', 'ben']);
  });
  afterAll(async () => platform?.close());

  it('declares with the SHA-256, PUTs to the presigned URL, completes, reports progress, and the image gets a thumbnail', async () => {
    const png = new Uint8Array(await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3b82f6' } }).png().toBuffer());
    const ann = world.userApi('ann');
    const progress: Array<[number, number]> = [];
    const media = await uploadFile(ann, new Blob([png], { type: 'image/png' }), { fileName: 'blue.png', onProgress: (sent, total) => progress.push([sent, total]) });
    expect(media).toMatchObject({ id: expect.stringMatching(/^med_/), status: 'ready', contentType: 'image/png', size: png.byteLength });
    expect(progress.at(-1)).toEqual([png.byteLength, png.byteLength]);

    const conversationId = (await ann.call('conversations.create', { body: { type: 'direct', memberIds: ['ben'] } })).id;
    await ann.call('messages.send', { params: { conversationId }, body: { text: 'a picture', attachments: [media.id] } });
    const thumbnail = await eventually(() => world.userApi('ben').call('media.get', { params: { mediaId: media.id }, query: { variant: 'thumbnail' } }));
    const bytes = new Uint8Array(await (await fetch(thumbnail.download.url)).arrayBuffer());
    const meta = await sharp(bytes).metadata();
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBeLessThan(640);
  });

  it('is refused by storage when the bytes do not match the declared checksum, and nothing is completed', async () => {
    const ann = world.userApi('ann');
    const declared = await ann.call('media.uploads.create', {
      body: { fileName: 'a.txt', contentType: 'text/plain', size: 5, sha256: await sha256Base64(new TextEncoder().encode('hello')) },
    });
    const put = await fetch(declared.upload.url, { method: 'PUT', headers: declared.upload.headers, body: 'HELLO' });
    expect(put.status).toBeGreaterThanOrEqual(400);
    await expect(ann.call('media.uploads.complete', { params: { mediaId: declared.id } })).rejects.toBeInstanceOf(ApiError);
  });
});
