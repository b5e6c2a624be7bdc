import type { Services } from '../../runtime/context.ts';
import { isAppError } from '../../runtime/errors.ts';
import { MESSAGES, type MessageDoc } from '../messages/messages.ts';
import { publishMediaReady } from './media-events.ts';
import { attachmentKey, MEDIA, MEDIA_ATTACHMENTS, type MediaAttachmentDoc, type MediaDoc } from './media-records.ts';
import { removeMedia } from './media-removal.ts';

/**
 * What happens to media after upload, driven by the media worker: attachments are tracked from
 * message events, media attached only to a deleted message goes with it, an erased user's
 * uploads go with them, and a periodic sweep removes uploads never completed. Every step is
 * idempotent: events arrive at least once.
 */

/** Pending uploads are removed this long after their URL expired (an upload started just before expiry may still be landing). */
export const UPLOAD_GRACE_MS = 10 * 60_000;
/** Rejected records answer retries of `complete` for a day, then go. */
export const REJECTED_RETENTION_MS = 24 * 3600_000;
/** Ready images still unprocessed this long after they were queued get their `media.ready` event again. */
export const REPROCESS_AFTER_MS = 5 * 60_000;
const SWEEP_BATCH = 200;

/** From `message.new`: remember which message carries which media. */
export async function recordAttachments(services: Services, message: MessageDoc): Promise<void> {
  const { store } = services.ports;
  const links = store.collection<MediaAttachmentDoc>(MEDIA_ATTACHMENTS);
  // Media removed before this event arrived (its uploader erased) gets no link that nothing would ever clean.
  const present = await store.collection<MediaDoc>(MEDIA).find({ _id: { $in: [...new Set(message.attachments)] }, appId: message.appId }, { projection: { _id: 1 } });
  for (const { _id: mediaId } of present) {
    const link: MediaAttachmentDoc = {
      _id: attachmentKey(mediaId, message._id),
      appId: message.appId,
      mediaId,
      messageId: message._id,
      conversationId: message.conversationId,
      authorId: message.authorId,
      shadowed: message.shadowed,
      createdAt: message.createdAt,
    };
    try {
      await links.insertOne(link);
    } catch (error) {
      if (!(isAppError(error) && error.code === 'CONFLICT')) throw error; // Redelivery.
    }
  }
}

/** From `message.deleted`: drop its links, and remove media no other message carries. */
export async function releaseAttachments(services: Services, appId: string, messageId: string): Promise<number> {
  const { store } = services.ports;
  const links = store.collection<MediaAttachmentDoc>(MEDIA_ATTACHMENTS);
  let removed = 0;
  for (const link of await links.find({ messageId, appId })) {
    await links.deleteOne({ _id: link._id });
    // Links of messages in other conversations may still be on their way: the messages themselves are the truth.
    const stillLinked = await links.findOne({ mediaId: link.mediaId });
    const stillAttached = await store
      .collection<MessageDoc>(MESSAGES)
      .findOne({ attachments: link.mediaId, appId, _id: { $ne: messageId } }, { projection: { _id: 1 } });
    if (stillLinked || stillAttached) continue;
    const media = await store.collection<MediaDoc>(MEDIA).findOne({ _id: link.mediaId, appId });
    if (media) {
      await removeMedia(services, media);
      removed += 1;
    }
  }
  return removed;
}

/** From `user.deleted`: every upload the user declared up to the erasure (a later user with the same id keeps theirs). */
export async function eraseUploadsOf(services: Services, appId: string, userId: string, erasedAt: number): Promise<number> {
  const media = services.ports.store.collection<MediaDoc>(MEDIA);
  let removed = 0;
  for (;;) {
    const batch = await media.find({ appId, uploaderId: userId, createdAt: { $lte: erasedAt } }, { limit: SWEEP_BATCH });
    for (const item of batch) await removeMedia(services, item);
    removed += batch.length;
    if (batch.length < SWEEP_BATCH) return removed;
  }
}

export interface SweepOptions {
  now: number;
  /** Only this app's media (tests, per-tenant maintenance); default every app. */
  appId?: string;
}

export interface SweepResult {
  expired: number;
  rejectedPurged: number;
  republished: number;
}

/** One pass of the periodic sweep. */
export async function sweepMedia(services: Services, options: SweepOptions): Promise<SweepResult> {
  const media = services.ports.store.collection<MediaDoc>(MEDIA);
  const scope = options.appId ? { appId: options.appId } : {};
  const result: SweepResult = { expired: 0, rejectedPurged: 0, republished: 0 };

  const stale = { $lt: options.now - UPLOAD_GRACE_MS };
  for (const item of await media.find({ ...scope, status: 'pending', uploadExpiresAt: stale }, { limit: SWEEP_BATCH })) {
    // Claim first: a `complete` racing the sweep either wins (ready, kept) or finds nothing.
    const claimed = await media.findOneAndUpdate({ _id: item._id, status: 'pending' }, { $set: { status: 'expired' } });
    if (!claimed) continue;
    await removeMedia(services, claimed);
    result.expired += 1;
  }
  // Claimed by a sweep that stopped before removing them.
  for (const item of await media.find({ ...scope, status: 'expired', uploadExpiresAt: stale }, { limit: SWEEP_BATCH })) {
    await removeMedia(services, item);
    result.expired += 1;
  }
  const purgeBefore = { $lt: options.now - REJECTED_RETENTION_MS };
  for (const item of await media.find({ ...scope, status: 'rejected', rejectedAt: purgeBefore }, { limit: SWEEP_BATCH })) {
    await removeMedia(services, item);
    result.rejectedPurged += 1;
  }
  const requeueBefore = options.now - REPROCESS_AFTER_MS;
  const waiting = await media.find({ ...scope, status: 'ready', processing: 'pending', queuedAt: { $lt: requeueBefore } }, { limit: SWEEP_BATCH });
  const byApp = new Map<string, string[]>();
  for (const item of waiting) byApp.set(item.appId, [...(byApp.get(item.appId) ?? []), item._id]);
  for (const [appId, ids] of byApp) {
    await media.updateMany({ _id: { $in: ids }, queuedAt: { $lt: requeueBefore } }, { $set: { queuedAt: options.now } });
    await publishMediaReady(services, appId, ids);
  }
  result.republished = waiting.length;
  return result;
}
