import { z } from 'zod';
import { AUDIT_TOPIC, type AuditRecord } from '../../runtime/audit/audit-trail.ts';
import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import { MEDIA, type MediaDoc } from '../media/media-records.ts';
import { callHook, findHook } from './hooks.ts';

/**
 * The media scan hook: before an upload becomes ready (and so downloadable or attachable), the
 * app's scanner gets a short-lived download URL and answers clean or infected within its budget.
 * Infected media is quarantined for good: the object is deleted, the record says why, and the
 * decision goes to the audit topic. A scanner that fails lets the upload through (`open`) or
 * leaves it pending with 503 HOOK_FAILED (`closed`, the default), to be completed again later.
 */
const Verdict = z.discriminatedUnion('verdict', [
  z.object({ verdict: z.literal('clean') }),
  z.object({ verdict: z.literal('infected'), reason: z.string().max(500).default('no reason given') }),
]);

const SCAN_DOWNLOAD_SEC = 600;

export type ScanOutcome = { verdict: 'clean' } | { verdict: 'infected'; reason: string };

export async function scanUpload(services: Services, media: MediaDoc): Promise<ScanOutcome> {
  const hook = await findHook(services, media.appId, 'media-scan');
  if (!hook) return { verdict: 'clean' };
  const download = await services.ports.blob.presignGet(media.key, { expiresInSec: SCAN_DOWNLOAD_SEC });
  const payload = {
    type: 'media.scan',
    appId: media.appId,
    media: { id: media._id, fileName: media.fileName, contentType: media.contentType, size: media.size, sha256: media.sha256, uploaderId: media.uploaderId },
    download: { url: download.url, headers: download.headers, expiresAt: download.expiresAt },
  };
  const result = await callHook(services, hook, payload, Verdict);
  if (result.ok) return result.answer;
  services.log.warn({ appId: media.appId, mediaId: media._id, reason: result.reason, failureMode: hook.failureMode }, 'media scan hook failed');
  if (hook.failureMode === 'open') return { verdict: 'clean' };
  throw new AppError('HOOK_FAILED', `The app's media scanner did not decide (${result.reason}); complete the upload again later`, { headers: { 'Retry-After': '5' } });
}

export function quarantineError(media: MediaDoc): AppError {
  const reason = media.rejectedReason ?? 'the scanner found it infected';
  return new AppError('VALIDATION_FAILED', `Upload ${media._id} is quarantined: ${reason}; it can never be downloaded`, {
    issues: [{ path: 'upload', message: `quarantined: ${reason}` }],
  });
}

/** Marks pending media quarantined, deletes its object, audits the decision; null when someone else decided first. */
export async function quarantine(services: Services, media: MediaDoc, reason: string): Promise<MediaDoc | null> {
  const now = services.clock.now();
  const quarantined = await services.ports.store
    .collection<MediaDoc>(MEDIA)
    .findOneAndUpdate({ _id: media._id, status: 'pending' }, { $set: { status: 'quarantined', rejectedAt: now, rejectedReason: `the app's scanner found it infected (${reason})` } });
  if (!quarantined) return null;
  await services.ports.blob.delete(media.key);
  const record: AuditRecord = {
    at: now,
    requestId: `scan:${media._id}`,
    appId: media.appId,
    actor: { kind: 'system', id: 'media-scan' },
    action: 'media.quarantined',
    method: 'POST',
    path: `/v1/media/${media._id}/complete`,
    target: { mediaId: media._id },
    status: 422,
    outcome: 'failure',
  };
  await services.ports.bus.publish(AUDIT_TOPIC, [{ key: media.appId, value: JSON.stringify(record) }]);
  services.log.warn({ appId: media.appId, mediaId: media._id, reason }, 'media quarantined: the scanner found it infected');
  return quarantined;
}
