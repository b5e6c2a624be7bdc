import type { StorePort } from '../../infra/store/port.ts';
import { AppError } from '../../runtime/errors.ts';

/** Uploaded media as messages see it: only ready media can be attached. */
export interface MediaDoc {
  _id: string;
  appId: string;
  uploaderId: string | null;
  status: 'pending' | 'ready' | 'rejected';
  [key: string]: unknown;
}

export const MEDIA = 'media';
export const MAX_ATTACHMENTS = 10;

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
