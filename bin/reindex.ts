/**
 * `npx tsx bin/reindex.ts <appId>`: rebuilds one app's search index from the store, in this
 * process, printing progress; searches keep working on the current index until the switch.
 * Configured by the same env as the server. In local mode the embedded engines live in files
 * of CAAS_DATA_DIR: run it while the server is stopped, or use
 * `POST /v1/admin/apps/:appId/search/reindex` on the running server instead.
 * Ctrl-C stops the rebuild; the job is marked failed and its half-built index dropped.
 */
import { AppId } from '../functions/apps/app-views.ts';
import { requestReindex } from '../functions/search/reindex-jobs.ts';
import { runReindex } from '../functions/search/reindex.ts';
import { ConfigError, loadConfig } from '../runtime/config.ts';
import { isAppError } from '../runtime/errors.ts';
import { startServices, stopServices } from '../runtime/platform.ts';
import { domain } from '../functions/domain.ts';

async function main(args: string[]): Promise<number> {
  const appId = AppId.safeParse(args[0]);
  if (args.length !== 1 || !appId.success) {
    process.stderr.write('usage: npx tsx bin/reindex.ts <appId>   (an app id, app_…)\n');
    return 64;
  }
  const services = await startServices(domain, loadConfig(), { role: 'reindex' });
  const abort = new AbortController();
  const interrupt = () => abort.abort(new Error('interrupted (SIGINT)'));
  process.once('SIGINT', interrupt);
  try {
    const job = await requestReindex(services, appId.data);
    process.stdout.write(`rebuilding the search index of ${appId.data} into ${job.index} (job ${job.id})\n`);
    const done = await runReindex(services, appId.data, job.id, {
      signal: abort.signal,
      onProgress: (progress) => process.stdout.write(`  ${progress.processed}/${progress.total ?? '?'} conversations, ${progress.messages} messages\n`),
    });
    process.stdout.write(done ? `done: searches now read ${done.index}\n` : 'the job was taken over by another runner\n');
    return 0;
  } catch (error) {
    process.stderr.write(`reindex failed: ${isAppError(error) || error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', interrupt);
    await stopServices(services);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
