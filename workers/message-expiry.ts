import { expireDueMessages } from '../functions/messages/message-expiry.ts';
import type { Services } from '../runtime/context.ts';
import type { WorkerHandle } from './index.ts';
import { startPollLoop } from './poll-loop.ts';

/** Removes disappearing messages when due (functions/messages/message-expiry.ts), polling the store. */
export interface MessageExpiryOptions {
  pollMs?: number;
}

const BATCH = 200;

export async function startMessageExpiry(services: Services, options: MessageExpiryOptions = {}): Promise<WorkerHandle> {
  const loop = startPollLoop({
    intervalMs: options.pollMs ?? 1_000,
    pass: async () => {
      let total = 0;
      for (let expired = BATCH; expired === BATCH; total += expired) expired = await expireDueMessages(services, BATCH);
      return total;
    },
    onError: (error) => services.log.error({ err: error }, 'message expiry: pass failed; retrying on the next tick'),
  });
  return { stop: () => loop.stop() };
}
