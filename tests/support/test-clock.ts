import type { Clock } from '../../runtime/clock.ts';
import type { LocalPlatform } from './local-platform.ts';

/** The platform clock, moved by the test: real time plus an offset the test advances. */
export interface TestClock extends Clock {
  advance(ms: number): void;
}

/**
 * Puts a controllable clock under a running platform: every handler and worker reads
 * `services.clock` from then on. The embedded twins keep the clock they were started with, so
 * cache TTLs, leases and local signed URLs still run on real time.
 */
export function controlClock(platform: LocalPlatform): TestClock {
  let offset = 0;
  const clock: TestClock = {
    now: () => Date.now() + offset,
    advance: (ms) => {
      offset += ms;
    },
  };
  platform.services.clock = clock;
  return clock;
}
