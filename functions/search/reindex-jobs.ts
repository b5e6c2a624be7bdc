import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import { newId } from '../../runtime/ids.ts';
import { requireApp } from '../apps/apps.ts';
import { ensureIndexState, indexStates, rebuildIndexName, type ReindexJob, type SearchIndexDoc } from './search-indexes.ts';

/**
 * The life of a rebuild, kept in the app's `search_indexes` document so that starting a job,
 * pointing writers at its index and switching readers to it are each one atomic update:
 * queued (index created, writers already feeding it) -> running -> succeeded (pointer switched)
 * or failed (index dropped). Every transition names the job id, so a job that was superseded
 * (its heartbeat went stale and another was started) can no longer change anything.
 */
export const STALE_AFTER_MS = 60_000;

export async function requestReindex(services: Services, appId: string): Promise<ReindexJob> {
  await requireApp(services.ports.store, appId);
  await ensureIndexState(services, appId);
  const now = services.clock.now();
  const id = newId('reindex', now);
  const job: ReindexJob = {
    id,
    status: 'queued',
    index: rebuildIndexName(appId, id),
    processed: 0,
    total: null,
    messages: 0,
    requestedAt: now,
    startedAt: null,
    finishedAt: null,
    heartbeatAt: now,
    error: null,
  };
  // Created before writers are pointed at it, so no writer ever meets a missing index.
  await services.ports.search.ensureIndex(job.index);
  const before = await indexStates(services).findOneAndUpdate(
    { _id: appId, $or: [{ building: null }, { 'reindex.heartbeatAt': { $lt: now - STALE_AFTER_MS } }] },
    { $set: { building: job.index, reindex: job, updatedAt: now } },
    { returnDocument: 'before' },
  );
  if (!before) {
    await services.ports.search.dropIndex(job.index);
    const running = (await indexStates(services).findOne({ _id: appId }))?.reindex;
    throw new AppError('CONFLICT', `A reindex of app ${appId} is already ${running?.status ?? 'running'} (job ${running?.id ?? 'unknown'})`);
  }
  // An abandoned job's half-built index: nobody reads it, and its writer can no longer switch to it.
  if (before.building && before.building !== before.current) await services.ports.search.dropIndex(before.building);
  return job;
}

/** queued -> running; null when the job is not queued any more (taken by another runner, superseded). */
export async function claimJob(services: Services, appId: string, jobId: string): Promise<SearchIndexDoc | null> {
  const now = services.clock.now();
  return indexStates(services).findOneAndUpdate(
    { _id: appId, 'reindex.id': jobId, 'reindex.status': 'queued' },
    { $set: { 'reindex.status': 'running', 'reindex.startedAt': now, 'reindex.heartbeatAt': now, updatedAt: now } },
  );
}

function superseded(jobId: string): AppError {
  return new AppError('CONFLICT', `Reindex job ${jobId} was superseded by a newer one`);
}

export async function recordProgress(services: Services, appId: string, jobId: string, progress: Pick<ReindexJob, 'processed' | 'total' | 'messages'>): Promise<void> {
  const now = services.clock.now();
  const result = await indexStates(services).updateOne(
    { _id: appId, 'reindex.id': jobId, 'reindex.status': 'running' },
    {
      $set: {
        'reindex.processed': progress.processed,
        'reindex.total': progress.total,
        'reindex.messages': progress.messages,
        'reindex.heartbeatAt': now,
        updatedAt: now,
      },
    },
  );
  if (result.matchedCount === 0) throw superseded(jobId);
}

/** Points readers at the new index; returns the index it replaced (to be dropped). */
export async function switchToBuilt(services: Services, appId: string, job: ReindexJob, progress: Pick<ReindexJob, 'processed' | 'total' | 'messages'>): Promise<string> {
  const now = services.clock.now();
  const before = await indexStates(services).findOneAndUpdate(
    { _id: appId, 'reindex.id': job.id, building: job.index },
    {
      $set: {
        current: job.index,
        building: null,
        'reindex.status': 'succeeded',
        'reindex.processed': progress.processed,
        'reindex.total': progress.total,
        'reindex.messages': progress.messages,
        'reindex.finishedAt': now,
        'reindex.heartbeatAt': now,
        updatedAt: now,
      },
    },
    { returnDocument: 'before' },
  );
  if (!before) throw superseded(job.id);
  return before.current;
}

/** Marks the job failed and stops writers feeding its index; true when this job still owned it. */
export async function failJob(services: Services, appId: string, job: Pick<ReindexJob, 'id' | 'index'>, reason: string): Promise<boolean> {
  const now = services.clock.now();
  const result = await indexStates(services).updateOne(
    { _id: appId, 'reindex.id': job.id, building: job.index },
    { $set: { building: null, 'reindex.status': 'failed', 'reindex.error': reason, 'reindex.finishedAt': now, updatedAt: now } },
  );
  return result.matchedCount > 0;
}
