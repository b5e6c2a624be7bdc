import { deliverDue } from '../functions/scheduled/delivery.ts';
import type { Services } from '../runtime/context.ts';
import { newId } from '../runtime/ids.ts';
import type { WorkerHandle } from './index.ts';
import { startPollLoop } from './poll-loop.ts';

/**
 * Delivers scheduled messages when due (functions/scheduled/delivery.ts). State lives in the
 * store, so a restart loses nothing; any number of these may run, each claim is leased.
 */
export interface ScheduledSenderOptions {
  pollMs?: number;
  /** How long a claimed message is this worker's before another may take it over. */
  leaseMs?: number;
}

export async function startScheduledSender(services: Services, options: ScheduledSenderOptions = {}): Promise<WorkerHandle> {
  const owner = newId('sender');
  const leaseMs = options.leaseMs ?? 30_000;
  const loop = startPollLoop({
    intervalMs: options.pollMs ?? 500,
    pass: () => deliverDue(services, owner, leaseMs),
    onError: (error) => services.log.error({ err: error }, 'scheduled sender: pass failed; retrying on the next tick'),
  });
  return { stop: () => loop.stop() };
}
