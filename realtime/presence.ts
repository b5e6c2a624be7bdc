/**
 * Presence in the cache, correct across nodes and across crashes. Each node keeps, per user it
 * hosts, one key with the user's best status on that node ('online' beats 'away') and a TTL it
 * renews every third of the TTL, plus its own liveness key in the set of presence nodes. A user is
 * online when any live node's key for them is alive, so a node that dies takes its users offline
 * once its keys expire, with nobody left to clean up. Last-seen is kept apart, for a month.
 *
 * Reading a user costs one get per node; hosting one costs two keys (no per-user set), which is
 * what local mode pays in memory for every connected user.
 */
import type { CachePort } from '../infra/cache/port.ts';
import type { Clock } from '../runtime/clock.ts';
import type { ClientStatus } from './connection.ts';
import type { PresenceStatus, PresenceView } from './protocol.ts';

const LAST_SEEN_TTL_MS = 30 * 24 * 3600 * 1000;
const NODES = 'caas:pr:nodes';

export interface HostedUser {
  appId: string;
  userId: string;
  status: ClientStatus;
}

const aliveKey = (nodeId: string) => `caas:pr:node:${nodeId}`;
const userKey = (appId: string, userId: string, nodeId: string) => `caas:pr:${appId}:${userId}@${nodeId}`;
const seenKey = (appId: string, userId: string) => `caas:pr:${appId}:${userId}:s`;

export class PresenceRegistry {
  constructor(
    private readonly cache: CachePort,
    private readonly nodeId: string,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  /** Lists this node among the presence nodes; renewed by `renew`. */
  async join(): Promise<void> {
    await this.cache.set(aliveKey(this.nodeId), '1', { ttlMs: this.ttlMs });
    await this.cache.setAdd(NODES, this.nodeId);
  }

  /** A node stopping cleanly (its users were marked already) leaves at once instead of at TTL expiry. */
  async leave(): Promise<void> {
    await this.cache.setRemove(NODES, this.nodeId);
    await this.cache.del(aliveKey(this.nodeId));
  }

  /** Records the user's status on this node; null when the node no longer hosts them. */
  async mark(appId: string, userId: string, status: ClientStatus | null): Promise<void> {
    if (status) await this.cache.set(userKey(appId, userId, this.nodeId), status, { ttlMs: this.ttlMs });
    else await this.cache.del(userKey(appId, userId, this.nodeId));
    await this.cache.set(seenKey(appId, userId), String(this.clock.now()), { ttlMs: LAST_SEEN_TTL_MS });
  }

  /** Keeps this node and its users alive, and forgets nodes that died; run every third of the TTL. */
  async renew(users: Iterable<HostedUser>): Promise<void> {
    await this.join();
    const now = String(this.clock.now());
    for (const { appId, userId, status } of users) {
      await this.cache.set(userKey(appId, userId, this.nodeId), status, { ttlMs: this.ttlMs });
      await this.cache.set(seenKey(appId, userId), now, { ttlMs: LAST_SEEN_TTL_MS });
    }
    for (const nodeId of await this.cache.setMembers(NODES)) {
      if ((await this.cache.get(aliveKey(nodeId))) === null) await this.cache.setRemove(NODES, nodeId);
    }
  }

  async read(appId: string, userId: string): Promise<PresenceView> {
    const nodeIds = await this.cache.setMembers(NODES);
    const statuses = await Promise.all(nodeIds.map((nodeId) => this.cache.get(userKey(appId, userId, nodeId))));
    const seen = await this.cache.get(seenKey(appId, userId));
    return { userId, status: bestOf(statuses), lastSeen: seen === null ? null : Number(seen) };
  }
}

function bestOf(statuses: Array<string | null>): PresenceStatus {
  if (statuses.includes('online')) return 'online';
  if (statuses.includes('away')) return 'away';
  return 'offline';
}

/**
 * How many of `userIds` (all of one app) have a live connection (online or away) on any live
 * node: occupancy. One read of the node set, then one get per user and node.
 */
export async function countConnected(cache: CachePort, appId: string, userIds: Iterable<string>): Promise<number> {
  const nodeIds = await cache.setMembers(NODES);
  let connected = 0;
  for (const userId of userIds) {
    for (const nodeId of nodeIds) {
      if ((await cache.get(userKey(appId, userId, nodeId))) !== null) {
        connected += 1;
        break;
      }
    }
  }
  return connected;
}
