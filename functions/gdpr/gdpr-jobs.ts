import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Services } from '../../runtime/context.ts';
import { isAppError } from '../../runtime/errors.ts';
import type { Collection, IndexDeclaration, StorePort } from '../../infra/store/port.ts';

/**
 * GDPR jobs (Art. 15/20 export, Art. 17 erasure): one job per (app, user, kind), so a repeated
 * request answers the job already there instead of starting another. The request queues the job
 * on the `gdpr-jobs` topic; workers/gdpr-jobs.ts runs it and records progress and the result.
 */
export const GDPR_JOBS = 'gdpr_jobs';
export const GDPR_TOPIC = 'gdpr-jobs';
export type JobKind = 'export' | 'erasure';

export interface GdprJobDoc {
  _id: string;
  appId: string;
  userId: string;
  kind: JobKind;
  status: 'queued' | 'running' | 'done' | 'failed';
  requestedAt: number;
  finishedAt: number | null;
  step: string | null;
  /** What the job did: counts of what it exported or erased, by kind. */
  result: Record<string, number> | null;
  /** Export: where the archive is in blob storage. */
  archiveKey: string | null;
  error: string | null;
  [key: string]: unknown;
}

export const gdprIndexes: IndexDeclaration[] = [{ collection: GDPR_JOBS, specs: [{ keys: { appId: 1, userId: 1 } }] }];

export const GdprJobView = z.object({
  id: z.string(),
  kind: z.enum(['export', 'erasure']),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  requestedAt: z.number(),
  finishedAt: z.number().nullable(),
  step: z.string().nullable(),
  result: z.record(z.string(), z.number()).nullable(),
  error: z.string().nullable(),
});

export function toJobView(job: GdprJobDoc): z.infer<typeof GdprJobView> {
  const { _id, kind, status, requestedAt, finishedAt, step, result, error } = job;
  return { id: _id, kind, status, requestedAt, finishedAt, step, result, error };
}

export const JobMessage = z.object({ jobId: z.string() });

export function jobs(store: StorePort): Collection<GdprJobDoc> {
  return store.collection<GdprJobDoc>(GDPR_JOBS);
}

export function jobId(kind: JobKind, appId: string, userId: string): string {
  return `gdpr_${kind}_${createHash('sha256').update(`${appId}\u0000${userId}`).digest('hex').slice(0, 32)}`;
}

/** The job for this user and kind: the existing one, or a new one queued now. */
export async function requestJob(services: Services, kind: JobKind, appId: string, userId: string): Promise<{ job: GdprJobDoc; created: boolean }> {
  const id = jobId(kind, appId, userId);
  const existing = await jobs(services.ports.store).findOne({ _id: id });
  if (existing) return { job: existing, created: false };
  const job: GdprJobDoc = {
    _id: id, appId, userId, kind, status: 'queued', requestedAt: services.clock.now(),
    finishedAt: null, step: null, result: null, archiveKey: null, error: null,
  };
  try {
    await jobs(services.ports.store).insertOne(job);
  } catch (error) {
    if (!isAppError(error) || error.code !== 'CONFLICT') throw error;
    return { job: (await jobs(services.ports.store).findOne({ _id: id }))!, created: false };
  }
  await services.ports.bus.publish(GDPR_TOPIC, [{ key: id, value: JSON.stringify({ jobId: id }) }]);
  return { job, created: true };
}

export async function setStep(store: StorePort, id: string, step: string): Promise<void> {
  await jobs(store).updateOne({ _id: id }, { $set: { status: 'running', step } });
}
