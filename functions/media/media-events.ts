import type { Services } from '../../runtime/context.ts';

/**
 * The media topic: work for the media worker. `media.ready` is published when an upload is
 * verified; the worker makes its thumbnail. Keyed by media id; the worker is idempotent, and its
 * sweep republishes ready media still waiting for processing, so a publish lost after the record
 * was marked ready only delays the thumbnail.
 */
export const MEDIA_TOPIC = 'media';

export interface MediaReadyEvent {
  type: 'media.ready';
  appId: string;
  mediaId: string;
  at: number;
}

export async function publishMediaReady(services: Services, appId: string, mediaIds: string[]): Promise<void> {
  if (mediaIds.length === 0) return;
  const at = services.clock.now();
  await services.ports.bus.publish(
    MEDIA_TOPIC,
    mediaIds.map((mediaId) => ({
      key: mediaId,
      value: JSON.stringify({ type: 'media.ready', appId, mediaId, at } satisfies MediaReadyEvent),
      headers: { appId, type: 'media.ready' },
    })),
  );
}

/** The event a bus message carries, or null when it is not one this version understands. */
export function asMediaReadyEvent(value: unknown): MediaReadyEvent | null {
  const event = value as Partial<MediaReadyEvent> | null;
  if (event?.type !== 'media.ready' || typeof event.appId !== 'string' || typeof event.mediaId !== 'string') return null;
  return event as MediaReadyEvent;
}
