import { startOutboxRelay } from './outbox-relay.ts';
import { startMediaProcessor } from './media-processor.ts';
import { startMessageExpiry } from './message-expiry.ts';
import { startScheduledSender } from './scheduled-sender.ts';
import type { Services } from '../runtime/context.ts';
import { startSearchIndexer } from './search-indexer.ts';
import { startAuditChain } from './audit-chain.ts';
import { startGdprJobs } from './gdpr-jobs.ts';
import { startRetentionSweeper } from './retention-sweeper.ts';
import { startWebhookDelivery } from './webhook-delivery.ts';
import { startAppEventLog } from './app-event-log.ts';

/**
 * Background work: the outbox relay, the bus consumers, and the store pollers (scheduled sends,
 * message expiry). `npm start` runs it in the same
 * process as the router; cluster mode runs it as its own process (bin/worker.ts).
 */
export interface BackgroundWork {
  stop(): Promise<void>;
}

export interface WorkerHandle {
  stop(): Promise<void>;
}

type WorkerStarter = (services: Services) => Promise<WorkerHandle>;

export const workers: Record<string, WorkerStarter> = {
  'outbox-relay': (services) => startOutboxRelay(services),
  'search-indexer': (services) => startSearchIndexer(services),
  'media-processor': (services) => startMediaProcessor(services),
  'audit-chain': (services) => startAuditChain(services),
  'gdpr-jobs': (services) => startGdprJobs(services),
  'retention-sweeper': (services) => startRetentionSweeper(services),
  'webhook-delivery': (services) => startWebhookDelivery(services),
  'app-event-log': (services) => startAppEventLog(services),
  'scheduled-sender': (services) => startScheduledSender(services),
  'message-expiry': (services) => startMessageExpiry(services),
};

/**
 * The bus consumers that `npm start` runs in its background thread (background-thread.ts). The
 * relay, GDPR jobs (they erase this process's cache) and the pollers stay beside the router.
 */
export const THREAD_WORKERS = ['search-indexer', 'media-processor', 'audit-chain', 'webhook-delivery', 'app-event-log'];

export async function startBackgroundWork(services: Services, names: string[] = Object.keys(workers)): Promise<BackgroundWork> {
  const started: Array<[string, WorkerHandle]> = [];
  for (const name of names) {
    const start = workers[name];
    if (!start) throw new Error(`unknown worker ${name}; known: ${Object.keys(workers).join(', ')}`);
    started.push([name, await start(services)]);
    services.log.debug({ worker: name }, 'worker started');
  }
  return {
    async stop() {
      for (const [, handle] of started.reverse()) await handle.stop();
    },
  };
}
