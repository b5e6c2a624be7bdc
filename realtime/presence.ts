/**
 * Presence in the cache, correct across nodes and across crashes. Each node writes, per user it
 * hosts, a key with that user's best status on the node ('online' beats 'away') and a TTL it
 * renews every third of the TTL; a user's nodes are listed in a set. A user is online when any
 * node's key is alive, so a node that dies takes its users offline once its keys expire, with
 * nobody left to clean up. Last-seen is kept apart, for a month.
 */
import type { CachePort } from '../infra/cache/port.ts';
import type { Clock } from '../runtime/clock.ts';
import type { ClientStatus } from './connection.ts';
import type { PresenceStatus, PresenceView } from './protocol.ts';

const LAST_SEEN_TTL_MS = 30 * 24 * 3600 * 1000;

export interface HostedUser {
  appId: string;
  userId: string;
  status: ClientStatus;
}

export class PresenceRegistry {
  constructor(
    private readonly cache: CachePort,
    private readonly nodeId: string,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  /** Records the user's status on this node; null when the node no longer hosts them. */
  async mark(appId: string, userId: string, status: ClientStatus | null): Promise<void> {
    const keys = presenceKeys(appId, userId);
    if (status) {
      await this.write({ appId, userId, status });
      return;
    }
    await this.cache.del(keys.node(this.nodeId));
    await this.cache.setRemove(keys.nodes, this.nodeId);
    await this.cache.set(keys.seen, String(this.clock.now()), { ttlMs: LAST_SEEN_TTL_MS });
  }

  /** Keeps this node's users alive; run every third of the TTL. */
  async renew(users: Iterable<HostedUser>): Promise<void> {
    for (const user of users) await this.write(user);
  }

  async read(appId: string, userId: string): Promise<PresenceView> {
    const keys = presenceKeys(appId, userId);
    const nodeIds = await this.cache.setMembers(keys.nodes);
    const statuses = await Promise.all(nodeIds.map((nodeId) => this.cache.get(keys.node(nodeId))));
    const gone = nodeIds.filter((_, i) => statuses[i] === null);
    // Nodes whose key expired died without saying so: forget them.
    if (gone.length > 0) await this.cache.setRemove(keys.nodes, ...gone);
    const seen = await this.cache.get(keys.seen);
    return { userId, status: bestOf(statuses), lastSeen: seen === null ? null : Number(seen) };
  }

  private async write({ appId, userId, status }: HostedUser): Promise<void> {
    const keys = presenceKeys(appId, userId);
    await this.cache.set(keys.node(this.nodeId), status, { ttlMs: this.ttlMs });
    await this.cache.setAdd(keys.nodes, this.nodeId);
    await this.cache.expire(keys.nodes, this.ttlMs);
    await this.cache.set(keys.seen, String(this.clock.now()), { ttlMs: LAST_SEEN_TTL_MS });
  }
}

function presenceKeys(appId: string, userId: string) {
  const base = `caas:presence:${appId}:${userId}`;
  return { nodes: `${base}:nodes`, seen: `${base}:seen`, node: (nodeId: string) => `${base}:node:${nodeId}` };
}

function bestOf(statuses: Array<string | null>): PresenceStatus {
  if (statuses.includes('online')) return 'online';
  if (statuses.includes('away')) return 'away';
  return 'offline';
}
