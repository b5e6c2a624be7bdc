import type { Services } from '../../runtime/context.ts';
import { MEDIA, MEDIA_ATTACHMENTS, mediaKey, thumbnailKey, type MediaAttachmentDoc, type MediaDoc } from './media-records.ts';

/**
 * Removing media: objects first, then the links, then the record, so a removal interrupted
 * half-way is finished by the next attempt (redelivery, sweep) instead of leaving objects that
 * no record points to.
 */
export async function removeMedia(services: Services, media: MediaDoc): Promise<void> {
  const { blob, store } = services.ports;
  await blob.delete(media.key);
  await blob.delete(mediaKey(media.appId, media._id));
  await blob.delete(thumbnailKey(media.appId, media._id));
  await store.collection<MediaAttachmentDoc>(MEDIA_ATTACHMENTS).deleteMany({ mediaId: media._id });
  await store.collection<MediaDoc>(MEDIA).deleteOne({ _id: media._id });
  // A thumbnail the worker wrote while this ran: the worker cleans up only once the record is gone.
  await blob.delete(thumbnailKey(media.appId, media._id));
}

/**
 * The object was replaced after verification (a still-valid upload URL was used again): its
 * bytes are unverified, so they are removed and the record says why.
 */
export async function quarantineReplacedObject(services: Services, media: MediaDoc): Promise<void> {
  const reason = 'its object was replaced after it was verified';
  await services.ports.store
    .collection<MediaDoc>(MEDIA)
    .updateOne({ _id: media._id }, { $set: { status: 'rejected', rejectedAt: services.clock.now(), rejectedReason: reason, thumbnail: null } });
  await services.ports.blob.delete(media.key);
  await services.ports.blob.delete(thumbnailKey(media.appId, media._id));
  services.log.warn({ mediaId: media._id, appId: media.appId }, 'media object replaced after verification; removed');
}
