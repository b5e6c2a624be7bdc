import { expireDueMessages } from '../functions/messages/message-expiry.ts';
import type { Services } from '../runtime/context.ts';
import type { WorkerHandle } from './index.ts';
import { startPeriodic } from './periodic.ts';

/** Removes disappearing messages when due (functions/messages/message-expiry.ts), polling the store. */
export interface MessageExpiryOptions {
  pollMs?: number;
}

export async function startMessageExpiry(services: Services, options: MessageExpiryOptions = {}): Promise<WorkerHandle> {
  const batchSize = 200;
  const work = startPeriodic(services, 'message-expiry', options.pollMs ?? 1_000, async () => {
    while ((await expireDueMessages(services, batchSize)) === batchSize);
  });
  return { stop: () => work.stop() };
}
