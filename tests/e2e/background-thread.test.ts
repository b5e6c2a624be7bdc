import { describe, expect, it } from 'vitest';
import { backgroundMetrics, processRegistry } from '../../runtime/http/metrics.ts';
import { startBackgroundThread } from '../../workers/background-thread.ts';
import { useLocalServices } from '../support/use-local-platform.ts';

/**
 * The background thread's lifecycle (npm start in local mode runs the bus consumers in one; what
 * they do there is tested through npm start in npm-start.test.ts).
 */
const local = useLocalServices();

describe('background thread', () => {
  it('starts the named workers on the same data and stops them when asked', async () => {
    const work = await startBackgroundThread(local.services, ['app-event-log', 'search-indexer']);
    // While it runs, /metrics sums its metrics with this thread's; once stopped, only this thread's.
    const running = await (await backgroundMetrics()).getMetricsAsJSON();
    expect(running.map((metric) => metric.name)).toContain('caas_search_indexer_lag_seconds');
    expect(await backgroundMetrics()).not.toBe(processRegistry);
    await work.stop();
    expect(await backgroundMetrics()).toBe(processRegistry);
  });

  it('refuses to start when the thread cannot start its workers, naming why', async () => {
    await expect(startBackgroundThread(local.services, ['no-such-worker'])).rejects.toThrow(/unknown worker no-such-worker/);
  });
});
