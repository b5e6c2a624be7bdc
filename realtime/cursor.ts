/**
 * One socket's position in one conversation: the last sequence it was sent. It is what makes
 * delivery ordered, gap-free and duplicate-free whatever order the live stream and the store
 * replay arrive in:
 *
 * - a live event at `last + 1` is sent at once; at or below `last` it is dropped (duplicate);
 * - above `last + 1` the missing events are read from the store first. Everything below a live
 *   event is settled (the outbox relay publishes each conversation in order), so a sequence the
 *   store lacks there was reserved by a writer that died and is skipped;
 * - while a replay runs, live events wait in `pending` and are merged in sequence order after it;
 * - a replay on resume stops at the first hole above the relay's published mark (a writer may
 *   still be inserting it); the live stream fills it in.
 *
 * Membership is applied in stream order too: after its own `member.removed` the socket gets
 * nothing but a later `member.added` for itself, and the cursor detaches once idle.
 */
import type { EventDoc } from '../functions/events/events.ts';
import { serverFrames } from './protocol.ts';
import { eventVisibleTo, toConversationEvent, type ConversationEvent } from '../functions/events/event-codec.ts';
import { eventFrame, joinedUserIds, leftUserId } from './wire-event.ts';

export interface CursorSocket {
  readonly userId: string;
  /** The socket's cursors by conversation; the node's index keeps it in step with its own. */
  readonly cursors: Map<string, ConversationCursor>;
  readonly closed: boolean;
  send(frame: Buffer | string): void;
  /** The replay failed (store unavailable): the socket must reconnect and resume. */
  fail(error: unknown): void;
}

/** What cursors need from their node: the store's history, membership checks, bookkeeping. */
export interface EventHistory {
  readonly maxReplay: number;
  readonly pageSize: number;
  read(conversationId: string, afterSeq: number, limit: number): Promise<EventDoc[]>;
  isMember(appId: string, conversationId: string, userId: string): Promise<boolean>;
  /** The cursor's user is no longer a member and nothing is in flight: forget the cursor. */
  detach(cursor: ConversationCursor): void;
  countReplayed(events: number): void;
  countResync(): void;
}

interface Pending {
  event: ConversationEvent;
  frame: Buffer | undefined;
}

export class ConversationCursor {
  private busy = false;
  private pending: Pending[] | null = null;
  private member = true;
  private detached = false;

  constructor(
    readonly appId: string,
    readonly conversationId: string,
    readonly socket: CursorSocket,
    private readonly history: EventHistory,
    /** The last sequence sent (or, before delivery starts, the position it will start after). */
    public last: number,
    /** Held cursors buffer every event until `release`. */
    held: boolean,
  ) {
    this.busy = held;
  }

  /** A live event; `frame` is its serialized form, shared by every socket on this node. */
  offer(event: ConversationEvent, frame: Buffer | undefined): void {
    if (this.detached) return;
    if (this.busy) {
      (this.pending ??= []).push({ event, frame });
      return;
    }
    if (event.seq <= this.last) return;
    if (event.seq === this.last + 1) {
      this.deliver(event, frame);
      this.detachIfLeft();
      return;
    }
    (this.pending ??= []).push({ event, frame });
    void this.run(false);
  }

  /** Starts delivery of a held cursor; `replay` first sends what the store holds after `last`. */
  release(replay: boolean): void {
    void this.run(replay);
  }

  /** Tells the client to page history by REST instead of replaying `fromSeq..toSeq`. */
  resync(fromSeq: number, toSeq: number, reason: 'too_many_missed' | 'not_a_member'): void {
    this.socket.send(JSON.stringify(serverFrames.resync(this.conversationId, fromSeq, toSeq, reason)));
    this.history.countResync();
  }

  private async run(replay: boolean): Promise<void> {
    this.busy = true;
    try {
      if (replay) await this.replaySettled();
      for (;;) {
        const next = this.nextPending();
        if (!next || this.socket.closed) return;
        if (next.event.seq === this.last + 1) {
          this.pending!.shift();
          this.deliver(next.event, next.frame);
        } else {
          await this.fillGap(next.event.seq - 1);
        }
      }
    } catch (error) {
      this.socket.fail(error);
    } finally {
      this.busy = false;
      this.detachIfLeft();
    }
  }

  private nextPending(): Pending | undefined {
    const pending = this.pending;
    if (!pending) return undefined;
    pending.sort((a, b) => a.event.seq - b.event.seq);
    while (pending.length > 0 && pending[0]!.event.seq <= this.last) pending.shift();
    if (pending.length === 0) this.pending = null;
    return pending[0];
  }

  /** Sends the store's events up to the first hole a writer may still fill. */
  private async replaySettled(): Promise<void> {
    for (;;) {
      const rows = await this.history.read(this.conversationId, this.last, this.history.pageSize);
      for (const row of rows) {
        if (row.seq !== this.last + 1 && !row.published) return;
        this.deliverStored(row);
      }
      if (rows.length < this.history.pageSize || this.socket.closed) return;
    }
  }

  /** Sends every stored event up to `untilSeq`, which a live event has settled. */
  private async fillGap(untilSeq: number): Promise<void> {
    if (untilSeq - this.last > this.history.maxReplay) {
      this.resync(this.last, untilSeq, 'too_many_missed');
      this.last = untilSeq;
      if (!(await this.history.isMember(this.appId, this.conversationId, this.socket.userId))) this.member = false;
      return;
    }
    while (this.last < untilSeq && !this.socket.closed) {
      const rows = await this.history.read(this.conversationId, this.last, this.history.pageSize);
      let reachedLive = false;
      for (const row of rows) {
        if (row.seq > untilSeq) {
          reachedLive = true;
          break;
        }
        this.deliverStored(row);
      }
      if (reachedLive || rows.length < this.history.pageSize) break;
    }
    // Sequences below a live event that the store does not hold were never written.
    this.last = Math.max(this.last, untilSeq);
  }

  private deliverStored(row: EventDoc): void {
    this.history.countReplayed(1);
    this.deliver(toConversationEvent(row), undefined);
  }

  private deliver(event: ConversationEvent, frame: Buffer | undefined): void {
    this.last = event.seq;
    const self = this.socket.userId;
    if (!this.member) {
      if (!joinedUserIds(event).includes(self)) return;
      this.member = true;
    }
    if (eventVisibleTo(event, self)) this.socket.send(frame ?? eventFrame(event));
    if (leftUserId(event) === self) this.member = false;
  }

  private detachIfLeft(): void {
    if (this.member || this.busy || this.detached) return;
    this.detached = true;
    this.pending = null;
    this.history.detach(this);
  }
}
