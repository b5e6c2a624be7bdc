import type { Config } from '../runtime/config.ts';
import type { MetricsSnapshot } from '../runtime/http/metrics.ts';

/** What the background thread starts with (workerData). */
export interface ThreadStart {
  config: Config;
  names: string[];
}

export type ToThread = { type: 'metrics'; id: number } | { type: 'stop' };

export type FromThread = { type: 'ready' } | { type: 'metrics'; id: number; snapshot: MetricsSnapshot };
