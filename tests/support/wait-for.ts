/**
 * Polling helpers for contract and end-to-end suites: engines deliver asynchronously (Redis pub/sub, Kafka
 * consumer groups), so tests wait for an observable outcome instead of sleeping a fixed time.
 */
export async function waitFor(predicate: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`waitFor: ${what} not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
