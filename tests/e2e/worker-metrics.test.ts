import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../support/temp-dirs.ts';
import { trackChildren } from '../support/track-children.ts';

/**
 * A worker-only process (bin/worker.ts, local mode) serves /metrics with the workers' metrics,
 * /healthz and /readyz on CAAS_WORKER_METRICS_PORT, and drains on SIGTERM (exit 0).
 */
const root = join(import.meta.dirname, '..', '..');
const dirs = useTempDirs();
const children = trackChildren();

describe('bin/worker.ts', () => {
  it('serves /metrics (relay, consumer and audit lags), /healthz and /readyz, and exits 0 on SIGTERM', async () => {
    const dataDir = await dirs.make('caas-worker-');
    const child = children.spawn(process.execPath, ['--import', 'tsx', 'bin/worker.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, HOST: '127.0.0.1', CAAS_WORKER_METRICS_PORT: '0', CAAS_DATA_DIR: dataDir, CAAS_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; metricsPort?: number };
        if (entry.msg === 'worker running') resolve(entry.metricsPort!);
      });
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
    });
    const base = `http://127.0.0.1:${port}`;

    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });

    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    for (const name of [
      'caas_outbox_relay_lag_seconds',
      'caas_outbox_relay_events_total',
      'caas_search_indexer_lag_seconds',
      'caas_app_event_log_lag_seconds',
      'caas_audit_chain_lag_seconds',
      'process_cpu_user_seconds_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect((await fetch(`${base}/v1/me`)).status).toBe(404);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
