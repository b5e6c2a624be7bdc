/**
 * `npx tsx bin/backfill-seq-blocks.ts`: writes the seq block of messages projected before it
 * existed (functions/messages/seq-block-backfill.ts), printing progress. Needed once on a FerretDB
 * deployment holding messages from before seq blocks; harmless anywhere else (it finds nothing to
 * write) and safe to run again or beside running servers. Configured by the same env as the server;
 * in local mode run it while the server is stopped (the embedded store lives in CAAS_DATA_DIR).
 */
import { domain } from '../functions/domain.ts';
import { backfillSeqBlocks } from '../functions/messages/seq-block-backfill.ts';
import { ConfigError, loadConfig } from '../runtime/config.ts';
import { startServices, stopServices } from '../runtime/platform.ts';

const EVERY = 100;

async function main(): Promise<number> {
  const services = await startServices(domain, loadConfig(), { role: 'backfill' });
  try {
    const done = await backfillSeqBlocks(services, (progress) => {
      if (progress.conversations % EVERY === 0) process.stdout.write(`  ${progress.conversations} conversations, ${progress.messages} messages, ${progress.written} written\n`);
    });
    process.stdout.write(`done: ${done.conversations} conversations, ${done.messages} messages, ${done.written} seq blocks written\n`);
    return 0;
  } finally {
    await stopServices(services);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`backfill failed: ${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
