/**
 * Event delivery on one node: starts a socket's delivery from its memberships and resume
 * positions, routes each live event (parsed and framed once) to the cursors of that
 * conversation, and attaches cursors when a membership event names a local user.
 */
import { findConversation, type ConversationDoc } from '../functions/conversations/conversations.ts';
import { conversationIdsOf, isMember } from '../functions/conversations/memberships.ts';
import { currentSequences, eventsAfter, type EventDoc } from '../functions/events/events.ts';
import type { Services } from '../runtime/context.ts';
import type { Connection } from './connection.ts';
import { ConversationCursor, type EventHistory } from './cursor.ts';
import type { RealtimeOptions } from './options.ts';
import { presenceScope, pushesPresence } from './presence-scope.ts';
import { serverFrames } from './protocol.ts';
import type { SubscriptionIndex } from './subscription-index.ts';
import { decodeEvent, type ConversationEvent } from '../functions/events/event-codec.ts';
import { openEvent } from '../functions/events/open-event.ts';
import { eventFrame, joinedUserIds } from './wire-event.ts';

export interface DeliveryCounters {
  replayed: number;
  resyncs: number;
}

export class Delivery implements EventHistory {
  readonly maxReplay: number;
  readonly pageSize: number;
  private readonly presenceMaxMembers: number;
  readonly counters: DeliveryCounters = { replayed: 0, resyncs: 0 };

  constructor(
    private readonly services: Services,
    options: RealtimeOptions,
    private readonly index: SubscriptionIndex,
  ) {
    this.maxReplay = options.maxReplay;
    this.pageSize = options.replayPageSize;
    this.presenceMaxMembers = options.presenceMaxMembers;
  }

  read(conversationId: string, afterSeq: number, limit: number): Promise<EventDoc[]> {
    return eventsAfter(this.services, conversationId, afterSeq, limit);
  }

  async isMember(appId: string, conversationId: string, userId: string): Promise<boolean> {
    return isMember(this.services.ports.store, appId, conversationId, userId);
  }

  detach(cursor: ConversationCursor): void {
    this.index.detach(cursor);
  }

  countReplayed(events: number): void {
    this.counters.replayed += events;
  }

  countResync(): void {
    this.counters.resyncs += 1;
  }

  /**
   * Begins delivery for an authenticated socket: one cursor per membership, positioned at the
   * client's resume sequence (replayed from the store) or at the conversation's current sequence.
   * Cursors are held while positions are read, so live events arriving meanwhile wait in order.
   *
   * A membership event for the user arriving during the start attaches a held cursor just before
   * the event (attachJoined); one the memberships read found anyway starts at the current sequence
   * like the others, so the socket gets the event only for a membership that read did not see. For
   * a conversation the client named, its resume position wins either way:
   * every cursor of the socket is positioned here, in rounds until none is left unpositioned (a
   * cursor attached while one round reads positions is positioned by the next).
   */
  async start(connection: Connection, resume: Record<string, number>): Promise<void> {
    const { store } = this.services.ports;
    connection.state = 'starting';
    const memberships = await conversationIdsOf(store, connection.appId, connection.userId);
    if (connection.closed) return;
    const fresh = new Set<ConversationCursor>();
    for (const conversationId of memberships) {
      // A membership event that beat this read attached a cursor already: it is placed like the rest.
      const joined = connection.cursors.get(conversationId);
      if (joined) {
        fresh.add(joined);
        continue;
      }
      const cursor = new ConversationCursor(connection.appId, conversationId, connection, this, 0, true);
      this.index.attach(connection, cursor);
      fresh.add(cursor);
    }
    // Read beside the first round of positions; no await may follow the last round.
    let scopeRead: Promise<void> | null = presenceScope(store, connection.appId, [...fresh].map((cursor) => cursor.conversationId), this.presenceMaxMembers).then(
      (scope) => void connection.presenceScope.push(...scope.filter((id) => !connection.presenceScope.includes(id))),
    );
    const positioned = new Set<ConversationCursor>();
    const replay = new Set<ConversationCursor>();
    const resyncs: Array<[ConversationCursor, number, number]> = [];
    for (;;) {
      // Found by the memberships read: the current sequence; joined since: just before their event; named: the resume position.
      const unpositioned = [...connection.cursors.values()].filter((c) => !positioned.has(c) && (fresh.has(c) || resume[c.conversationId] !== undefined));
      if (unpositioned.length === 0 && !scopeRead) break;
      const [current] = await Promise.all([currentSequences(this.services, unpositioned.map((cursor) => cursor.conversationId)), scopeRead]);
      scopeRead = null;
      if (connection.closed) break;
      for (const cursor of unpositioned) {
        positioned.add(cursor);
        const now = current.get(cursor.conversationId) ?? 0;
        const asked = resume[cursor.conversationId];
        if (asked === undefined) cursor.last = now;
        else if (now - asked > this.maxReplay) {
          cursor.last = now;
          resyncs.push([cursor, asked, now]);
        } else {
          cursor.last = Math.min(asked, now);
          replay.add(cursor);
        }
      }
    }
    if (connection.closed) {
      // The close handler may have run before these cursors were attached.
      this.index.removeConnection(connection);
      return;
    }

    const positions = Object.fromEntries([...connection.cursors.values()].map((cursor) => [cursor.conversationId, cursor.last]));
    connection.state = 'live';
    connection.sendFrame(serverFrames.subscribed(positions));
    for (const [conversationId, asked] of Object.entries(resume)) {
      if (!connection.cursors.has(conversationId)) connection.sendFrame(serverFrames.resync(conversationId, asked, asked, 'not_a_member'));
    }
    for (const [cursor, from, to] of resyncs) cursor.resync(from, to, 'too_many_missed');
    // Cursors attached by live membership events during the start are held as well.
    for (const cursor of [...connection.cursors.values()]) cursor.release(replay.has(cursor));
  }

  private inbound: Promise<void> = Promise.resolve();

  /** A conversation event from the fan-out channel, decrypted; delivered in arrival order. */
  onEvent(raw: string): Promise<void> {
    const next = this.inbound.then(async () => this.deliverEvent(await openEvent(this.services.ports.store, decodeEvent(raw))));
    this.inbound = next.catch(() => undefined);
    return next;
  }

  private deliverEvent(event: ConversationEvent): void {
    const joined = joinedUserIds(event);
    if (joined.length > 0) this.attachJoined(event, joined);
    const cursors = this.index.cursorsOf(event.conversationId);
    if (!cursors) return;
    let frame: Buffer | undefined;
    for (const cursor of cursors) {
      if (cursor.appId !== event.appId) continue;
      cursor.offer(event, (frame ??= eventFrame(event)));
    }
  }

  private attachJoined(event: ConversationEvent, userIds: string[]): void {
    const { appId, conversationId, seq } = event;
    const attached: Connection[] = [];
    for (const userId of userIds) {
      for (const connection of this.index.connectionsOf(appId, userId)) {
        if ((connection.state !== 'starting' && connection.state !== 'live') || connection.cursors.has(conversationId)) continue;
        // Positioned just before the join, so the member event itself is the first one delivered.
        const cursor = new ConversationCursor(appId, conversationId, connection, this, seq - 1, connection.state === 'starting');
        this.index.attach(connection, cursor);
        attached.push(connection);
      }
    }
    if (attached.length > 0) void this.widenPresenceScope(event, attached);
  }

  private async widenPresenceScope(event: ConversationEvent, connections: Connection[]): Promise<void> {
    let conversation = event.payload.conversation as ConversationDoc | undefined | null;
    try {
      conversation ??= await findConversation(this.services.ports.store, event.appId, event.conversationId);
    } catch (error) {
      this.services.log.warn({ err: error, conversationId: event.conversationId }, 'presence scope not widened; it will be on reconnect');
      return;
    }
    if (!conversation || !pushesPresence(conversation, this.presenceMaxMembers)) return;
    for (const connection of connections) if (!connection.presenceScope.includes(event.conversationId)) connection.presenceScope.push(event.conversationId);
  }
}
