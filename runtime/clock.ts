/** Time as the platform sees it; tests and the embedded engines can control it. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
