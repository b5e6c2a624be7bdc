import type { BlobMeta } from '../../infra/blob/port.ts';
import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import { quarantine, quarantineError, scanUpload } from '../hooks/media-scan.ts';
import { checkContent, SNIFF_BYTES } from './content-check.ts';
import { publishMediaReady } from './media-events.ts';
import { MEDIA, objectIdentity, type MediaDoc } from './media-records.ts';
import { baseContentType, THUMBNAIL_SOURCE_TYPES } from './media-types.ts';

/**
 * Completing an upload: the object must exist with the declared size, type and checksum, and
 * its first bytes must be what the type says. A mismatch removes the object and marks the record
 * rejected (a retry gets the same answer); a match marks it ready and queues processing. Reads at
 * most SNIFF_BYTES of the object: the bytes themselves stay in storage.
 */
function rejection(media: MediaDoc): AppError {
  return new AppError('VALIDATION_FAILED', `Upload ${media._id} was rejected: ${media.rejectedReason ?? 'it did not match its declaration'}; the object was removed`, {
    issues: [{ path: 'upload', message: media.rejectedReason ?? 'did not match the declaration' }],
  });
}

type Inspection = { kind: 'missing' } | { kind: 'mismatch'; reason: string } | { kind: 'match'; meta: BlobMeta };

/** The first thing the stored object contradicts in the declaration, or the object's identity when it matches. */
async function inspect(services: Services, media: MediaDoc): Promise<Inspection> {
  const { blob } = services.ports;
  const meta = await blob.head(media.key);
  if (!meta) return { kind: 'missing' };
  const mismatch = (reason: string): Inspection => ({ kind: 'mismatch', reason });
  if (meta.size !== media.size) return mismatch(`${meta.size} bytes were uploaded, ${media.size} were declared`);
  const storedType = baseContentType(meta.contentType);
  if (storedType !== media.contentType) return mismatch(`it was stored as ${storedType}, ${media.contentType} was declared`);
  if (media.sha256 && meta.checksumSha256 && meta.checksumSha256 !== media.sha256) return mismatch('its SHA-256 differs from the declared one');
  const sample = await blob.get(media.key, { start: 0, end: Math.min(SNIFF_BYTES, media.size) - 1 });
  if (!sample) return { kind: 'missing' };
  const verdict = await checkContent(media.contentType, sample);
  return verdict.ok ? { kind: 'match', meta } : mismatch(verdict.reason);
}

/** Someone else (another completion, the sweep) changed the record first: answer with what they decided. */
async function answerWithCurrent(services: Services, mediaId: string): Promise<MediaDoc> {
  const current = await services.ports.store.collection<MediaDoc>(MEDIA).findOne({ _id: mediaId });
  if (!current || current.status === 'expired') throw new AppError('NOT_FOUND', `Media ${mediaId} not found`);
  return completeUpload(services, current);
}

async function reject(services: Services, media: MediaDoc, reason: string): Promise<MediaDoc> {
  const claimed = await services.ports.store
    .collection<MediaDoc>(MEDIA)
    .findOneAndUpdate({ _id: media._id, status: 'pending' }, { $set: { status: 'rejected', rejectedAt: services.clock.now(), rejectedReason: reason } });
  if (!claimed) return answerWithCurrent(services, media._id);
  await services.ports.blob.delete(media.key);
  throw rejection(claimed);
}

export async function completeUpload(services: Services, media: MediaDoc): Promise<MediaDoc> {
  if (media.status === 'ready') return media;
  if (media.status === 'rejected') throw rejection(media);
  if (media.status === 'quarantined') throw quarantineError(media);
  const inspection = await inspect(services, media);
  if (inspection.kind === 'missing') {
    const expired = services.clock.now() > media.uploadExpiresAt;
    throw new AppError(
      'CONFLICT',
      expired
        ? `Nothing was uploaded for media ${media._id} and its upload URL has expired; declare a new upload`
        : `Nothing was uploaded for media ${media._id} yet: PUT the bytes to the upload URL first`,
    );
  }
  if (inspection.kind === 'mismatch') return reject(services, media, inspection.reason);
  const scan = await scanUpload(services, media);
  if (scan.verdict === 'infected') {
    const quarantined = await quarantine(services, media, scan.reason);
    if (!quarantined) return answerWithCurrent(services, media._id);
    throw quarantineError(quarantined);
  }

  const processing = THUMBNAIL_SOURCE_TYPES.has(media.contentType) ? 'pending' : 'none';
  const verifiedObject = objectIdentity(inspection.meta);
  const now = services.clock.now();
  const ready = await services.ports.store
    .collection<MediaDoc>(MEDIA)
    .findOneAndUpdate(
      { _id: media._id, status: 'pending' },
      { $set: { status: 'ready', completedAt: now, processing, queuedAt: processing === 'pending' ? now : null, verifiedObject } },
    );
  if (!ready) return answerWithCurrent(services, media._id);
  if (processing === 'pending') await publishMediaReady(services, ready.appId, [ready._id]);
  return ready;
}
