import type { Services } from '../runtime/context.ts';
import { sweepRetention } from '../functions/retention/retention-sweep.ts';
import type { WorkerHandle } from './index.ts';
import { startPollLoop } from './poll-loop.ts';

/**
 * Applies retention policies every CAAS_RETENTION_SWEEP_SECONDS at the platform clock's time
 * (functions/retention/retention-sweep.ts). A pass is idempotent: running it twice, or in two
 * worker processes, deletes or redacts nothing twice.
 */
export async function startRetentionSweeper(services: Services): Promise<WorkerHandle> {
  const loop = startPollLoop({
    intervalMs: services.config.CAAS_RETENTION_SWEEP_SECONDS * 1000,
    pass: async () => {
      const swept = await sweepRetention(services);
      if (swept > 0) services.log.info({ messages: swept }, 'retention: messages deleted or redacted');
      return swept;
    },
    onError: (error) => services.log.error({ err: error }, 'retention sweep failed; retrying on the next tick'),
  });
  return { stop: () => loop.stop() };
}
