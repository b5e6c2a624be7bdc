/**
 * Event delivery on one node: starts a socket's delivery from its memberships and resume
 * positions, routes each live event (parsed and framed once) to the cursors of that
 * conversation, and attaches cursors when a membership event names a local user.
 */
import { MEMBERS, memberKey, type MemberDoc } from '../functions/conversations/conversations.ts';
import { SEQUENCES, eventsAfter, type EventDoc } from '../functions/events/events.ts';
import type { Services } from '../runtime/context.ts';
import type { Connection } from './connection.ts';
import { ConversationCursor, type EventHistory } from './cursor.ts';
import type { RealtimeOptions } from './options.ts';
import { serverFrames } from './protocol.ts';
import type { SubscriptionIndex } from './subscription-index.ts';
import { eventFrame, joinedUserIds, parseWireEvent } from './wire-event.ts';

interface SequenceDoc {
  _id: string;
  seq: number;
  [key: string]: unknown;
}

export interface DeliveryCounters {
  replayed: number;
  resyncs: number;
}

export class Delivery implements EventHistory {
  readonly maxReplay: number;
  readonly pageSize: number;
  readonly counters: DeliveryCounters = { replayed: 0, resyncs: 0 };

  constructor(
    private readonly services: Services,
    options: RealtimeOptions,
    private readonly index: SubscriptionIndex,
  ) {
    this.maxReplay = options.maxReplay;
    this.pageSize = options.replayPageSize;
  }

  read(conversationId: string, afterSeq: number, limit: number): Promise<EventDoc[]> {
    return eventsAfter(this.services.ports.store, conversationId, afterSeq, limit);
  }

  async isMember(appId: string, conversationId: string, userId: string): Promise<boolean> {
    const member = await this.services.ports.store.collection<MemberDoc>(MEMBERS).findOne({ _id: memberKey(conversationId, userId), appId });
    return member !== null;
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
   */
  async start(connection: Connection, resume: Record<string, number>): Promise<void> {
    const { store } = this.services.ports;
    connection.state = 'starting';
    const memberships = await store
      .collection<MemberDoc>(MEMBERS)
      .find({ appId: connection.appId, userId: connection.userId }, { projection: { conversationId: 1 } });
    if (connection.closed) return;
    const fresh: ConversationCursor[] = [];
    for (const { conversationId } of memberships) {
      if (connection.cursors.has(conversationId)) continue;
      const cursor = new ConversationCursor(connection.appId, conversationId, connection, this, 0, true);
      this.index.attach(connection, cursor);
      fresh.push(cursor);
    }
    const current = await this.currentSequences(fresh.map((cursor) => cursor.conversationId));
    if (connection.closed) {
      // The close handler may have run before these cursors were attached.
      this.index.removeConnection(connection);
      return;
    }

    const replay = new Set<ConversationCursor>();
    const resyncs: Array<[ConversationCursor, number, number]> = [];
    for (const cursor of fresh) {
      const now = current.get(cursor.conversationId) ?? 0;
      const asked = resume[cursor.conversationId];
      cursor.last = now;
      if (asked === undefined) continue;
      if (now - asked > this.maxReplay) resyncs.push([cursor, asked, now]);
      else {
        cursor.last = Math.min(asked, now);
        replay.add(cursor);
      }
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

  /** A conversation event from the fan-out channel. */
  onEvent(raw: string): void {
    const event = parseWireEvent(raw);
    for (const userId of joinedUserIds(event)) this.attachJoined(event.appId, event.conversationId, userId, event.seq);
    const cursors = this.index.cursorsOf(event.conversationId);
    if (!cursors) return;
    let frame: Buffer | undefined;
    for (const cursor of cursors) {
      if (cursor.appId !== event.appId) continue;
      cursor.offer(event, (frame ??= eventFrame(event)));
    }
  }

  private attachJoined(appId: string, conversationId: string, userId: string, seq: number): void {
    for (const connection of this.index.connectionsOf(appId, userId) ?? []) {
      if ((connection.state !== 'starting' && connection.state !== 'live') || connection.cursors.has(conversationId)) continue;
      // Positioned just before the join, so the member event itself is the first one delivered.
      const cursor = new ConversationCursor(appId, conversationId, connection, this, seq - 1, connection.state === 'starting');
      this.index.attach(connection, cursor);
    }
  }

  private async currentSequences(conversationIds: string[]): Promise<Map<string, number>> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.services.ports.store.collection<SequenceDoc>(SEQUENCES).find({ _id: { $in: conversationIds } });
    return new Map(rows.map((row) => [row._id, row.seq]));
  }
}
