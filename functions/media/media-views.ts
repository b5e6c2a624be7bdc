import { z } from 'zod';
import type { PresignedRequest } from '../../infra/blob/port.ts';
import type { MediaDoc } from './media-records.ts';

/** What clients see of media: never the storage key, never a URL that outlives its expiry. */
export const PresignedRequestView = z.object({
  method: z.enum(['PUT', 'GET']),
  url: z.string(),
  /** Send exactly these headers with the request. */
  headers: z.record(z.string(), z.string()),
  expiresAt: z.number(),
});

export const MediaView = z.object({
  id: z.string(),
  status: z.enum(['pending', 'ready', 'rejected', 'quarantined']),
  fileName: z.string(),
  contentType: z.string(),
  size: z.number(),
  sha256: z.string().nullable(),
  uploaderId: z.string().nullable(),
  createdAt: z.number(),
  completedAt: z.number().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  thumbnail: z.object({ contentType: z.string(), size: z.number(), width: z.number(), height: z.number() }).nullable(),
});
export type MediaView = z.infer<typeof MediaView>;

export function toPresignedView(request: PresignedRequest): z.infer<typeof PresignedRequestView> {
  return { method: request.method, url: request.url, headers: request.headers, expiresAt: request.expiresAt };
}

export function toMediaView(media: MediaDoc): MediaView {
  const thumbnail = media.thumbnail;
  return {
    id: media._id,
    status: media.status === 'expired' ? 'rejected' : media.status,
    fileName: media.fileName,
    contentType: media.contentType,
    size: media.size,
    sha256: media.sha256,
    uploaderId: media.uploaderId,
    createdAt: media.createdAt,
    completedAt: media.completedAt,
    width: media.width,
    height: media.height,
    thumbnail: thumbnail ? { contentType: thumbnail.contentType, size: thumbnail.size, width: thumbnail.width, height: thumbnail.height } : null,
  };
}
