import { createHash } from 'node:crypto';
import { publicUrl } from '../../runtime/config.ts';
import type { FunctionContext, Services } from '../../runtime/context.ts';
import { AppError, isAppError } from '../../runtime/errors.ts';
import { newSecret } from '../../runtime/ids.ts';
import type { IndexDeclaration } from '../../infra/store/port.ts';
import type { GdprJobDoc } from './gdpr-jobs.ts';

/**
 * Export download links: short-lived (DOWNLOAD_TTL_MS), bearer-style, and good for one download
 * per requester (the server key that asked). The use record's unique `_id` referees concurrent
 * downloads with the same link, on every store (no atomic update needed).
 */
export const GDPR_DOWNLOADS = 'gdpr_downloads';
export const GDPR_DOWNLOAD_USES = 'gdpr_download_uses';
export const DOWNLOAD_TTL_MS = 10 * 60_000;

interface DownloadDoc {
  _id: string;
  jobId: string;
  appId: string;
  requester: string;
  archiveKey: string;
  expiresAt: number;
  [key: string]: unknown;
}

export const downloadIndexes: IndexDeclaration[] = [{ collection: GDPR_DOWNLOADS, specs: [{ keys: { expiresAt: 1 } }] }];

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

function requesterOf(ctx: FunctionContext): string {
  return ctx.caller.kind === 'server' ? ctx.caller.keyId : ctx.caller.kind;
}

export async function mintDownload(ctx: FunctionContext, job: GdprJobDoc): Promise<{ url: string; expiresAt: number }> {
  if (job.status !== 'done' || !job.archiveKey) throw new AppError('CONFLICT', `The export is ${job.status}; a link is available once it is done`);
  const requester = requesterOf(ctx);
  if (await ctx.ports.store.collection(GDPR_DOWNLOAD_USES).findOne({ _id: `${job._id}:${requester}` })) {
    throw new AppError('CONFLICT', 'This requester has already downloaded this export');
  }
  const token = newSecret(32);
  const expiresAt = ctx.clock.now() + DOWNLOAD_TTL_MS;
  await ctx.ports.store.collection<DownloadDoc>(GDPR_DOWNLOADS).insertOne({ _id: tokenHash(token), jobId: job._id, appId: job.appId, requester, archiveKey: job.archiveKey, expiresAt });
  return { url: `${publicUrl(ctx.config)}/v1/gdpr/downloads/${token}`, expiresAt };
}

/** The archive behind a link, once: a second use, an expired or unknown link answer 404. */
export async function consumeDownload(services: Services, token: string): Promise<Record<string, unknown>> {
  const gone = () => new AppError('NOT_FOUND', 'This download link is unknown, expired or already used');
  const links = services.ports.store.collection<DownloadDoc>(GDPR_DOWNLOADS);
  const link = await links.findOne({ _id: tokenHash(token) });
  if (!link || link.expiresAt <= services.clock.now()) throw gone();
  try {
    await services.ports.store.collection(GDPR_DOWNLOAD_USES).insertOne({ _id: `${link.jobId}:${link.requester}`, usedAt: services.clock.now() });
  } catch (error) {
    if (isAppError(error) && error.code === 'CONFLICT') throw gone();
    throw error;
  }
  await links.deleteOne({ _id: link._id });
  const bytes = await services.ports.blob.get(link.archiveKey);
  if (!bytes) throw gone();
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}
