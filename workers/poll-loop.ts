/**
 * The loop every background poller runs: one pass at a time, a pass at once on start and then
 * every `intervalMs`, `run()` to ask for one now (callers asking during a pass get one more pass
 * after it, not a second concurrent one), a failed pass reported and retried on the next tick.
 *
 * @example
 * const loop = startPollLoop({ intervalMs: 250, pass: drainOnce, onError: (err) => log.error({ err }) });
 * await loop.run(); // resolves with the work done by the passes it waited for
 * await loop.stop();
 */
export interface PollLoopOptions {
  intervalMs: number;
  /** One pass; resolves with how much work it did. */
  pass: () => Promise<number>;
  onError: (error: unknown) => void;
}

export interface PollLoop {
  run(): Promise<number>;
  /** No new pass starts; resolves once the running one is over. */
  stop(): Promise<void>;
}

export function startPollLoop(options: PollLoopOptions): PollLoop {
  let running: Promise<number> | null = null;
  let again = false;
  let stopped = false;

  function run(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      do {
        again = false;
        total += await options.pass();
      } while (again && !stopped);
      return total;
    })().finally(() => {
      running = null;
    });
    return running;
  }

  const tick = () => {
    if (!stopped) run().catch(options.onError);
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  tick();

  return {
    run,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => 0);
    },
  };
}
