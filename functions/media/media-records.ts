import { z } from 'zod';
import type { BlobMeta } from '../../infra/blob/port.ts';
import type { IndexDeclaration, StorePort } from '../../infra/store/port.ts';
import { AppError } from '../../runtime/errors.ts';
import { MESSAGES } from '../messages/messages.ts';

/**
 * Media records: one per declared upload. The bytes live in blob storage under a key the server
 * chose (`<appId>/media/<mediaId>`); the record says what was declared, what was verified, and
 * what the worker derived (dimensions, thumbnail). Only ready media can be attached to messages.
 */
/** `quarantined`: the app's scanner called it infected; the object is gone and it is never downloadable. */
export type MediaStatus = 'pending' | 'ready' | 'rejected' | 'quarantined' | 'expired';

/** What the worker still has to do: make a thumbnail ('pending'), nothing ('none'), done or gave up. */
export type MediaProcessing = 'pending' | 'done' | 'failed' | 'none';

export interface ThumbnailInfo {
  key: string;
  contentType: string;
  size: number;
  width: number;
  height: number;
}

/**
 * The object as it was when verified. A presigned PUT stays usable until it expires, so the
 * bytes could be replaced after completion; downloads and the worker compare against this
 * (with a declared checksum, storage refuses any other body in the first place).
 */
export interface ObjectIdentity {
  size: number;
  checksumSha256: string | null;
  lastModified: number;
}

export interface MediaDoc {
  _id: string;
  appId: string;
  /** The user who declared the upload; null when the app itself uploaded (server key). */
  uploaderId: string | null;
  status: MediaStatus;
  /** As declared, checked to be a plain name; used for Content-Disposition only, never for keys. */
  fileName: string;
  contentType: string;
  size: number;
  /** Declared base64 SHA-256 of the body, when the client gave one. */
  sha256: string | null;
  key: string;
  createdAt: number;
  /** When the presigned upload URL stops working; pending records are swept some time after. */
  uploadExpiresAt: number;
  completedAt: number | null;
  rejectedAt: number | null;
  rejectedReason: string | null;
  verifiedObject: ObjectIdentity | null;
  processing: MediaProcessing;
  /** When processing was last queued (a `media.ready` published); the sweep re-queues after a while. */
  queuedAt: number | null;
  width: number | null;
  height: number | null;
  thumbnail: ThumbnailInfo | null;
  [key: string]: unknown;
}

/**
 * Which messages carry a media item, learned by the media worker from `message.new` events: it
 * tells the worker what a deleted message had attached, and download checks where media is shown.
 */
export interface MediaAttachmentDoc {
  /** `${mediaId}:${messageId}` */
  _id: string;
  appId: string;
  mediaId: string;
  messageId: string;
  conversationId: string;
  authorId: string | null;
  /** Shadow-banned author: the message (and so the attachment) is visible to its author only. */
  shadowed: boolean;
  createdAt: number;
  [key: string]: unknown;
}

export const MEDIA = 'media';
export const MEDIA_ATTACHMENTS = 'media_attachments';
export const MAX_ATTACHMENTS = 10;

export const MediaId = z.string().regex(/^med_[0-9a-z]{26}$/, 'must be a media id (med_…)');

export const mediaIndexes: IndexDeclaration[] = [
  {
    collection: MEDIA,
    specs: [
      { keys: { appId: 1, uploaderId: 1, createdAt: 1 } },
      // The sweep: pending uploads past their expiry, rejected records past their grace.
      { keys: { status: 1, uploadExpiresAt: 1 } },
      { keys: { status: 1, processing: 1, queuedAt: 1 } },
    ],
  },
  {
    collection: MEDIA_ATTACHMENTS,
    specs: [{ keys: { mediaId: 1 } }, { keys: { messageId: 1 } }],
  },
  // Multikey on MongoDB: "which messages carry this media" without a scan.
  { collection: MESSAGES, specs: [{ keys: { attachments: 1 } }] },
];

/** Object keys are the server's: the app's prefix and the media id, never anything the client sent. */
export function mediaKey(appId: string, mediaId: string): string {
  return `${appId}/media/${mediaId}`;
}

export function thumbnailKey(appId: string, mediaId: string): string {
  return `${appId}/media/${mediaId}.thumbnail.webp`;
}

export function objectIdentity(meta: BlobMeta): ObjectIdentity {
  return { size: meta.size, checksumSha256: meta.checksumSha256 ?? null, lastModified: meta.lastModified };
}

/** False when the stored object is not the one that was verified (replaced through a still-valid upload URL). */
export function isVerifiedObject(media: MediaDoc, meta: BlobMeta | null): boolean {
  const verified = media.verifiedObject;
  if (!meta || !verified) return false;
  if (meta.size !== verified.size || meta.lastModified !== verified.lastModified) return false;
  return verified.checksumSha256 === null || meta.checksumSha256 === undefined || meta.checksumSha256 === verified.checksumSha256;
}

export function attachmentKey(mediaId: string, messageId: string): string {
  return `${mediaId}:${messageId}`;
}

export async function findMedia(store: StorePort, appId: string, mediaId: string): Promise<MediaDoc | null> {
  return store.collection<MediaDoc>(MEDIA).findOne({ _id: mediaId, appId });
}

/** Media of the app in any state except swept; others' ids and unknown ids are the same NOT_FOUND. */
export async function requireMedia(store: StorePort, appId: string, mediaId: string): Promise<MediaDoc> {
  const media = await findMedia(store, appId, mediaId);
  if (!media || media.status === 'expired') throw new AppError('NOT_FOUND', `Media ${mediaId} not found`);
  return media;
}

/** Every id must name ready media of the app; names the first one that does not. */
export async function requireReadyMedia(store: StorePort, appId: string, mediaIds: string[]): Promise<void> {
  if (mediaIds.length === 0) return;
  const found = await store.collection<MediaDoc>(MEDIA).find({ _id: { $in: mediaIds }, appId, status: 'ready' }, { projection: { _id: 1 } });
  const ready = new Set(found.map((media) => media._id));
  const missing = mediaIds.find((id) => !ready.has(id));
  if (missing) {
    throw new AppError('VALIDATION_FAILED', `Attachment ${missing} is not ready media of this app`, {
      issues: [{ path: 'body.attachments', message: `${missing} is unknown or not ready` }],
    });
  }
}
