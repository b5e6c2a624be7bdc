import { afterEach, describe, expect, it } from 'vitest';
import { createLocalCache } from '../../infra/cache/local.ts';
import type { CachePort } from '../../infra/cache/port.ts';
import { PresenceRegistry } from '../../realtime/presence.ts';

let now = 1_000_000;
const clock = { now: () => now };
let cache: CachePort;

afterEach(() => cache?.close());

async function nodes(ttlMs = 30_000) {
  cache = createLocalCache({ now: () => now });
  const pair = [new PresenceRegistry(cache, 'node-a', ttlMs, clock), new PresenceRegistry(cache, 'node-b', ttlMs, clock)] as const;
  for (const node of pair) await node.join();
  return pair;
}

describe('presence registry', () => {
  it('a user is online if any node says so, away if all say away, offline when none hosts them', async () => {
    const [a, b] = await nodes();
    await a.mark('app', 'u1', 'away');
    expect((await b.read('app', 'u1')).status).toBe('away');
    await b.mark('app', 'u1', 'online');
    expect((await a.read('app', 'u1')).status).toBe('online');
    await b.mark('app', 'u1', null);
    expect((await a.read('app', 'u1')).status).toBe('away');
    now += 5;
    await a.mark('app', 'u1', null);
    expect(await b.read('app', 'u1')).toEqual({ userId: 'u1', status: 'offline', lastSeen: now });
  });

  it("a node that stops renewing (crashed) leaves its users offline once the TTL passes; renewals keep them online", async () => {
    const [a, b] = await nodes(1_000);
    const crashedAt = now;
    await a.mark('app', 'u1', 'online');
    await b.mark('app', 'u2', 'online');
    now += 600;
    await b.renew([{ appId: 'app', userId: 'u2', status: 'online' }]);
    now += 600;
    expect((await b.read('app', 'u1')).status).toBe('offline');
    expect((await b.read('app', 'u2')).status).toBe('online');
    expect((await b.read('app', 'u1')).lastSeen).toBe(crashedAt);
  });

  it('an unknown user is offline and never seen', async () => {
    const [a] = await nodes();
    expect(await a.read('app', 'nobody')).toEqual({ userId: 'nobody', status: 'offline', lastSeen: null });
  });
});
