import sharp from 'sharp';
import { quarantineReplacedObject } from '../functions/media/media-removal.ts';
import { findMedia, isVerifiedObject, MEDIA, thumbnailKey, type MediaDoc, type ThumbnailInfo } from '../functions/media/media-records.ts';
import { THUMBNAIL_SOURCE_TYPES } from '../functions/media/media-types.ts';
import type { Services } from '../runtime/context.ts';

/**
 * Thumbnails and dimensions for ready images (PNG, JPEG, WebP, GIF's first frame), with sharp:
 * the longest edge at most THUMBNAIL_EDGE pixels, EXIF orientation applied, WebP. The one place
 * that reads image bytes. Idempotent: media that already has its thumbnail is skipped.
 */
export const THUMBNAIL_EDGE = 320;
/** Larger images are left without a thumbnail rather than held in the worker's memory whole. */
export const MAX_SOURCE_BYTES = 40 * 1024 * 1024;
/** Decompression bombs: a small file that claims a huge canvas is refused by the decoder. */
const MAX_INPUT_PIXELS = 100_000_000;

export type ThumbnailOutcome = 'created' | 'exists' | 'skipped' | 'failed' | 'gone';

interface Rendered {
  thumbnail: Buffer;
  thumbnailWidth: number;
  thumbnailHeight: number;
  width: number;
  height: number;
}

async function render(bytes: Uint8Array): Promise<Rendered> {
  const image = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, autoOrient: true });
  const meta = await image.metadata();
  const { data, info } = await image
    .resize(THUMBNAIL_EDGE, THUMBNAIL_EDGE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer({ resolveWithObject: true });
  const height = meta.pages && meta.pages > 1 && meta.pageHeight ? meta.pageHeight : meta.autoOrient.height;
  return { thumbnail: data, thumbnailWidth: info.width, thumbnailHeight: info.height, width: meta.autoOrient.width, height };
}

async function setProcessing(services: Services, media: MediaDoc, processing: MediaDoc['processing']): Promise<void> {
  await services.ports.store.collection<MediaDoc>(MEDIA).updateOne({ _id: media._id }, { $set: { processing } });
}

export async function makeThumbnail(services: Services, appId: string, mediaId: string): Promise<ThumbnailOutcome> {
  const { store, blob } = services.ports;
  const media = await findMedia(store, appId, mediaId);
  if (!media || media.status !== 'ready') return 'gone';
  if (media.thumbnail) return 'exists';
  if (!THUMBNAIL_SOURCE_TYPES.has(media.contentType) || media.size > MAX_SOURCE_BYTES) {
    await setProcessing(services, media, 'none');
    return 'skipped';
  }
  if (!isVerifiedObject(media, await blob.head(media.key))) {
    await quarantineReplacedObject(services, media);
    return 'gone';
  }
  const bytes = await blob.get(media.key);
  if (!bytes) return 'gone';

  let rendered: Rendered;
  try {
    rendered = await render(bytes);
  } catch (error) {
    // The bytes passed the signature check but do not decode: nothing a retry would change.
    services.log.warn({ err: error, mediaId, appId }, 'media: image could not be decoded; no thumbnail');
    await setProcessing(services, media, 'failed');
    return 'failed';
  }
  const key = thumbnailKey(appId, mediaId);
  await blob.put(key, rendered.thumbnail, { contentType: 'image/webp' });
  const thumbnail: ThumbnailInfo = {
    key,
    contentType: 'image/webp',
    size: rendered.thumbnail.byteLength,
    width: rendered.thumbnailWidth,
    height: rendered.thumbnailHeight,
  };
  const recorded = await store
    .collection<MediaDoc>(MEDIA)
    .updateOne({ _id: mediaId, status: 'ready' }, { $set: { thumbnail, width: rendered.width, height: rendered.height, processing: 'done' } });
  if (recorded.matchedCount === 0) {
    // Removed while we worked: take the new object with it.
    await blob.delete(key);
    return 'gone';
  }
  return 'created';
}
