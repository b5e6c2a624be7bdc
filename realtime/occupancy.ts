/**
 * Occupancy pushes: when a member's presence changes, the conversations they are subscribed to
 * get an `occupancy` frame with the number of members online — at a bounded rate. A change claims
 * the conversation in the cache (one claim cluster-wide), and the count is taken and pushed
 * `occupancyDelayMs` later, so every change in between is folded into one frame. After pushing,
 * a small conversation is released at once (so at most one frame per delay); a big one (over
 * OCCUPANCY_LIVE_MAX_MEMBERS) stays claimed for `occupancyBigIntervalMs` more, so a 10 000-member
 * channel whose members come and go constantly costs one count and one frame per interval.
 */
import { CONVERSATIONS, type ConversationDoc } from '../functions/conversations/conversations.ts';
import { isBigConversation, occupancyOf } from '../functions/conversations/occupancy.ts';
import type { Services } from '../runtime/context.ts';
import { publishSignal } from './signals.ts';

export interface OccupancyOptions {
  occupancyDelayMs: number;
  occupancyBigIntervalMs: number;
}

const claimKey = (conversationId: string) => `caas:occ:push:${conversationId}`;

export class OccupancyNotifier {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly services: Services,
    private readonly options: OccupancyOptions,
  ) {}

  /** Someone's presence changed in these conversations (all of one app). */
  async changed(appId: string, conversationIds: Iterable<string>): Promise<void> {
    const { cache } = this.services.ports;
    // The claim outlives the push by far: a node that dies holding it only delays the next frame.
    const claimMs = this.options.occupancyDelayMs + this.options.occupancyBigIntervalMs;
    for (const conversationId of conversationIds) {
      if (this.timers.has(conversationId)) continue;
      if (!(await cache.set(claimKey(conversationId), '1', { ifAbsent: true, ttlMs: claimMs }))) continue;
      const timer = setTimeout(() => void this.push(appId, conversationId), this.options.occupancyDelayMs);
      timer.unref();
      this.timers.set(conversationId, timer);
    }
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async push(appId: string, conversationId: string): Promise<void> {
    this.timers.delete(conversationId);
    const { store, cache } = this.services.ports;
    try {
      const conversation = await store.collection<ConversationDoc>(CONVERSATIONS).findOne({ _id: conversationId, appId });
      if (!conversation) return;
      const online = await occupancyOf(this.services, conversation);
      await publishSignal(cache, { kind: 'occupancy', appId, conversationId, online });
      if (isBigConversation(conversation)) await cache.expire(claimKey(conversationId), this.options.occupancyBigIntervalMs);
      else await cache.del(claimKey(conversationId));
    } catch (error) {
      this.services.log.warn({ err: error, conversationId }, 'occupancy not pushed; the next change pushes it');
    }
  }
}
