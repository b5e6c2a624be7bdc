import { z } from 'zod';
import { actingUserId, callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { newId } from '../../runtime/ids.ts';
import { FileName } from './file-names.ts';
import { checkDeclaredUpload, mediaLimits, PLATFORM_MAX_BYTES } from './media-limits.ts';
import { MEDIA, mediaKey, type MediaDoc } from './media-records.ts';
import { baseContentType } from './media-types.ts';
import { PresignedRequestView, toPresignedView } from './media-views.ts';

export const DEFAULT_UPLOAD_EXPIRY_SEC = 15 * 60;
export const MAX_UPLOAD_EXPIRY_SEC = 60 * 60;

export default defineFunction({
  name: 'media.uploads.create',
  method: 'POST',
  path: '/v1/media/uploads',
  auth: 'server-or-user',
  summary: 'Declare an upload (name, type, size, optional SHA-256) and get a presigned URL to PUT the bytes to',
  description:
    'The app\'s limits are checked first (413 too large, 415 type not allowed). Storage itself refuses another size, type or checksum than declared. ' +
    'PUT the bytes to upload.url with exactly upload.headers before upload.expiresAt, then call POST /v1/media/{id}/complete.',
  tags: ['media'],
  body: z.strictObject({
    fileName: FileName,
    contentType: z.string().min(1).max(255).transform(baseContentType),
    size: z.number().int().min(1).max(PLATFORM_MAX_BYTES),
    sha256: z
      .string()
      .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be the base64 SHA-256 of the file (44 characters)')
      .optional(),
    expiresInSec: z.number().int().min(1).max(MAX_UPLOAD_EXPIRY_SEC).default(DEFAULT_UPLOAD_EXPIRY_SEC),
  }),
  response: z.object({ id: z.string(), upload: PresignedRequestView }),
  successStatus: 201,
  handler: async ({ body }, ctx) => {
    const appId = callerAppId(ctx.caller);
    checkDeclaredUpload(await mediaLimits(ctx, appId), body);
    const now = ctx.clock.now();
    const mediaId = newId('med', now);
    const key = mediaKey(appId, mediaId);
    // Presigning has no side effect: a refusal here leaves no record behind.
    const upload = await ctx.ports.blob.presignPut(key, {
      contentType: body.contentType,
      contentLength: body.size,
      ...(body.sha256 ? { checksumSha256: body.sha256 } : {}),
      expiresInSec: body.expiresInSec,
    });
    const media: MediaDoc = {
      _id: mediaId,
      appId,
      uploaderId: actingUserId(ctx.caller),
      status: 'pending',
      fileName: body.fileName,
      contentType: body.contentType,
      size: body.size,
      sha256: body.sha256 ?? null,
      key,
      createdAt: now,
      uploadExpiresAt: upload.expiresAt,
      completedAt: null,
      rejectedAt: null,
      rejectedReason: null,
      verifiedObject: null,
      processing: 'pending',
      queuedAt: null,
      width: null,
      height: null,
      thumbnail: null,
    };
    await ctx.ports.store.collection<MediaDoc>(MEDIA).insertOne(media);
    return { id: mediaId, upload: toPresignedView(upload) };
  },
});
