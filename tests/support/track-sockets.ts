import { afterAll } from 'vitest';
import type { RealtimeClient } from './realtime-client.ts';

/**
 * Every realtime socket a test file opens, terminated in afterAll (before the platform closes, when
 * registered after useLocalPlatform) even if a test failed half-way.
 */
export function trackSockets(): { track<T extends RealtimeClient>(client: T | Promise<T>): Promise<T> } {
  const open: RealtimeClient[] = [];
  afterAll(() => {
    for (const client of open.splice(0)) client.ws.terminate();
  });
  return {
    async track(client) {
      const opened = await client;
      open.push(opened);
      return opened;
    },
  };
}
