/**
 * This node's side of presence: the best status of each user it hosts, written to the registry
 * when it changes (first socket, last socket, online ↔ away) and renewed on a timer, and a
 * presence signal to the users who share a conversation with them. Changes for one user run one
 * after another, so a quick connect/disconnect cannot leave a stale status behind.
 */
import type { Services } from '../runtime/context.ts';
import { splitUserKey, userKeyOf, type ClientStatus, type Connection } from './connection.ts';
import type { OccupancyNotifier } from './occupancy.ts';
import { PresenceRegistry, type HostedUser } from './presence.ts';
import { publishSignal } from './signals.ts';
import type { SubscriptionIndex } from './subscription-index.ts';

export class PresenceTracker {
  readonly registry: PresenceRegistry;
  /** Users hosted here and their status on this node, by userKey (appId NUL userId). */
  private readonly hosted = new Map<string, ClientStatus>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly services: Services,
    private readonly index: SubscriptionIndex,
    nodeId: string,
    ttlMs: number,
    private readonly occupancy?: OccupancyNotifier,
  ) {
    this.registry = new PresenceRegistry(services.ports.cache, nodeId, ttlMs, services.clock);
    this.timer = setInterval(() => void this.renew(), Math.max(1, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  /** Joins the presence nodes; resolves before the node accepts sockets. */
  start(): Promise<void> {
    return this.registry.join();
  }

  /**
   * Re-evaluates a user after one of their sockets here started, changed status or closed;
   * `conversationIds` names who to tell (the conversations of the socket that changed).
   */
  changed(appId: string, userId: string, conversationIds: string[], occupancyIds: string[] = conversationIds): Promise<void> {
    const key = userKeyOf(appId, userId);
    const run = (this.queues.get(key) ?? Promise.resolve()).then(() => this.apply(appId, userId, conversationIds, occupancyIds));
    const tail = run.catch((error: unknown) => this.services.log.warn({ err: error, appId, userId }, 'presence update failed; the TTL corrects it'));
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return tail;
  }

  /** Stops renewing and waits for pending updates (sockets closed on shutdown have marked their users already). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.occupancy?.stop();
    await Promise.all([...this.queues.values()]);
    await this.registry.leave().catch((error: unknown) => this.services.log.warn({ err: error }, 'presence node not removed; it expires with its TTL'));
  }

  /** Models a crash for tests and drills: stop renewing, clean nothing up. */
  halt(): void {
    clearInterval(this.timer);
    this.occupancy?.stop();
  }

  private async apply(appId: string, userId: string, conversationIds: string[], occupancyIds: string[]): Promise<void> {
    const key = userKeyOf(appId, userId);
    const status = this.statusHere(appId, userId);
    if ((this.hosted.get(key) ?? null) === status) return;
    if (status) this.hosted.set(key, status);
    else this.hosted.delete(key);
    await this.registry.mark(appId, userId, status);
    const view = await this.registry.read(appId, userId);
    await publishSignal(this.services.ports.cache, { kind: 'presence', appId, conversationIds, ...view });
    await this.occupancy?.changed(appId, occupancyIds);
  }

  /** 'online' if any live socket of the user here is online, 'away' if all are away, null if none. */
  private statusHere(appId: string, userId: string): ClientStatus | null {
    let best: ClientStatus | null = null;
    for (const connection of this.index.connectionsOf(appId, userId)) {
      if (!isLive(connection)) continue;
      if (connection.status === 'online') return 'online';
      best = 'away';
    }
    return best;
  }

  private *hostedUsers(): Iterable<HostedUser> {
    for (const [key, status] of this.hosted) {
      const [appId, userId] = splitUserKey(key);
      yield { appId, userId, status };
    }
  }

  private async renew(): Promise<void> {
    try {
      await this.registry.renew(this.hostedUsers());
    } catch (error) {
      this.services.log.warn({ err: error }, 'presence renewal failed; retrying on the next tick');
    }
  }
}

function isLive(connection: Connection): boolean {
  return connection.state === 'live' && !connection.closed;
}
