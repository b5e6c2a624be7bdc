import { z } from 'zod';
import { actingUserId, callerAppId } from '../../runtime/auth/authenticate.ts';
import type { FunctionContext } from '../../runtime/context.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { thumbnailFileName } from './file-names.ts';
import { requireDownloadable } from './media-access.ts';
import { quarantineReplacedObject } from './media-removal.ts';
import { isVerifiedObject, MediaId, requireMedia, type MediaDoc } from './media-records.ts';
import { MediaView, PresignedRequestView, toMediaView, toPresignedView } from './media-views.ts';

export const DEFAULT_DOWNLOAD_EXPIRY_SEC = 300;

/** Non-ready media exists only for the uploader (and the app); the rest of the world sees NOT_FOUND. */
function requireReady(ctx: FunctionContext, media: MediaDoc): void {
  if (media.status === 'ready') return;
  const userId = actingUserId(ctx.caller);
  if (userId !== null && userId !== media.uploaderId) throw new AppError('NOT_FOUND', `Media ${media._id} not found`);
  const hint =
    media.status === 'pending'
      ? 'complete the upload first'
      : media.status === 'quarantined'
        ? `it is quarantined for good: ${media.rejectedReason ?? 'the scanner found it infected'}`
        : `it was rejected: ${media.rejectedReason ?? 'no reason recorded'}`;
  throw new AppError('CONFLICT', `Media ${media._id} is ${media.status}: ${hint}`);
}

function requireThumbnail(media: MediaDoc): NonNullable<MediaDoc['thumbnail']> {
  if (media.thumbnail) return media.thumbnail;
  if (media.processing === 'pending') {
    throw new AppError('CONFLICT', `The thumbnail of media ${media._id} is still being made; retry shortly`, { headers: { 'Retry-After': '1' } });
  }
  throw new AppError('NOT_FOUND', `Media ${media._id} has no thumbnail`);
}

export default defineFunction({
  name: 'media.get',
  method: 'GET',
  path: '/v1/media/:mediaId',
  auth: 'server-or-user',
  summary: 'Media details and a short-lived download URL (the file, or its thumbnail with variant=thumbnail)',
  description: 'For the uploader, the app, and whoever may read a message the media is attached to. The URL expires after expiresInSec (default 300).',
  tags: ['media'],
  params: z.object({ mediaId: MediaId }),
  query: z.strictObject({
    variant: z.enum(['original', 'thumbnail']).default('original'),
    expiresInSec: z.coerce.number().int().min(1).max(3600).default(DEFAULT_DOWNLOAD_EXPIRY_SEC),
  }),
  response: z.object({ media: MediaView, variant: z.enum(['original', 'thumbnail']), download: PresignedRequestView }),
  handler: async ({ params, query }, ctx) => {
    const media = await requireMedia(ctx.ports.store, callerAppId(ctx.caller), params.mediaId);
    await requireDownloadable(ctx, media);
    requireReady(ctx, media);
    const { blob } = ctx.ports;
    let key = media.key;
    let downloadName = media.fileName;
    if (query.variant === 'thumbnail') {
      key = requireThumbnail(media).key;
      downloadName = thumbnailFileName(media.fileName);
    } else if (!isVerifiedObject(media, await blob.head(media.key))) {
      await quarantineReplacedObject(ctx, media);
      throw new AppError('NOT_FOUND', `Media ${media._id} is no longer available: its object changed after it was verified`);
    }
    const download = await blob.presignGet(key, { expiresInSec: query.expiresInSec, downloadName });
    return { media: toMediaView(media), variant: query.variant, download: toPresignedView(download) };
  },
});
