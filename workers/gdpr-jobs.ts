import type { Services } from '../runtime/context.ts';
import { runErasure } from '../functions/gdpr/erasure.ts';
import { archiveKey, buildExport } from '../functions/gdpr/export-archive.ts';
import { GDPR_TOPIC, JobMessage, jobs } from '../functions/gdpr/gdpr-jobs.ts';
import type { WorkerHandle } from './index.ts';

/**
 * Runs the GDPR export and erasure jobs queued on `gdpr-jobs` (consumer group `gdpr-jobs`). A job
 * already done is not run again (redelivery); a job that fails is marked failed with the reason —
 * asking again after fixing the cause is an operator's call, not a retry loop's.
 */
export async function startGdprJobs(services: Services): Promise<WorkerHandle> {
  const { bus, store } = services.ports;
  await bus.ensureTopics([{ name: GDPR_TOPIC }]);
  const subscription = await bus.subscribe({
    group: 'gdpr-jobs',
    topics: [GDPR_TOPIC],
    handler: async (message) => {
      const parsed = JobMessage.safeParse(safeJson(message.value));
      if (!parsed.success) return;
      const job = await jobs(store).findOne({ _id: parsed.data.jobId });
      if (!job || job.status === 'done') return;
      try {
        const result = job.kind === 'export' ? await buildExport(services, job) : await runErasure(services, job);
        const archive = job.kind === 'export' ? archiveKey(job) : null;
        await jobs(store).updateOne({ _id: job._id }, { $set: { status: 'done', step: null, result, archiveKey: archive, finishedAt: services.clock.now() } });
        services.log.info({ jobId: job._id, kind: job.kind, appId: job.appId, result }, 'gdpr job done');
      } catch (error) {
        services.log.error({ err: error, jobId: job._id, kind: job.kind }, 'gdpr job failed');
        await jobs(store).updateOne({ _id: job._id }, { $set: { status: 'failed', error: error instanceof Error ? error.message : String(error), finishedAt: services.clock.now() } });
      }
    },
  });
  return { stop: () => subscription.stop() };
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
