import { z } from 'zod';
import type { Services } from '../../runtime/context.ts';
import { failJob, requestReindex } from './reindex-jobs.ts';
import type { ReindexJob } from './search-indexes.ts';

/**
 * Rebuilds requested over HTTP run in a worker, not in the request: the admin endpoint queues
 * the job and publishes it on this topic; the search indexer worker runs it (workers/search-indexer.ts).
 */
export const SEARCH_REINDEX_TOPIC = 'search-reindex';

export const ReindexRequest = z.object({ appId: z.string().min(1), jobId: z.string().min(1) });
export type ReindexRequest = z.infer<typeof ReindexRequest>;

export async function enqueueReindex(services: Services, appId: string): Promise<ReindexJob> {
  const job = await requestReindex(services, appId);
  const request: ReindexRequest = { appId, jobId: job.id };
  try {
    await services.ports.bus.publish(SEARCH_REINDEX_TOPIC, [{ key: appId, value: JSON.stringify(request) }]);
  } catch (error) {
    const reason = `could not be queued: ${error instanceof Error ? error.message : String(error)}`;
    if (await failJob(services, appId, job, reason)) await services.ports.search.dropIndex(job.index);
    throw error;
  }
  return job;
}
