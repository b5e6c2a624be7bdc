import type { Services } from '../runtime/context.ts';

/**
 * A background pass run every `intervalMs` (first one at once), never two at a time; a failed pass
 * is logged and the next tick tries again. For workers that poll the store for due work
 * (scheduled sends, message expiry).
 */
export interface PeriodicWork {
  /** Runs a pass now (or waits for the one running) and resolves when it is done. */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startPeriodic(services: Services, name: string, intervalMs: number, pass: () => Promise<void>): PeriodicWork {
  let running: Promise<void> | null = null;
  let stopped = false;
  const runNow = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    running ??= pass()
      .catch((error: unknown) => services.log.error({ err: error, worker: name }, `${name}: pass failed; retrying on the next tick`))
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => void runNow(), intervalMs);
  timer.unref();
  void runNow();
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
