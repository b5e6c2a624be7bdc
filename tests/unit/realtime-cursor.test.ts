import { describe, expect, it } from 'vitest';
import type { EventDoc } from '../../functions/events/events.ts';
import { ConversationCursor, type CursorSocket, type EventHistory } from '../../realtime/cursor.ts';
import { toConversationEvent, type ConversationEvent } from '../../functions/events/event-codec.ts';
import { waitFor } from '../support/wait-for.ts';

const CONV = 'conv_1';

function doc(seq: number, extra: Partial<EventDoc> = {}): EventDoc {
  return {
    _id: `${CONV}:${seq}`,
    appId: 'app_1',
    conversationId: CONV,
    seq,
    type: 'message.new',
    actorId: 'ann',
    at: seq,
    payload: { message: { text: `m${seq}`, authorId: 'ann', shadowed: false } },
    published: true,
    ...extra,
  };
}

const live = (seq: number, extra: Partial<EventDoc> = {}): ConversationEvent => toConversationEvent(doc(seq, extra));

/** A socket that records what it was sent and a store of events, whose reads can be held back. */
function harness(options: { stored?: EventDoc[]; maxReplay?: number; pageSize?: number; userId?: string; member?: boolean } = {}) {
  const sent: Array<Record<string, any>> = [];
  const stored = [...(options.stored ?? [])];
  let gate: Promise<void> | null = null;
  let failure: unknown = null;
  const detached: ConversationCursor[] = [];
  const socket: CursorSocket = {
    userId: options.userId ?? 'ben',
    closed: false,
    cursors: new Map(),
    send: (frame) => void sent.push(JSON.parse(frame.toString())),
    fail: (error) => void (failure = error),
  };
  const history: EventHistory = {
    maxReplay: options.maxReplay ?? 100,
    pageSize: options.pageSize ?? 2,
    async read(_conversationId, afterSeq, limit) {
      if (gate) await gate;
      if (failure === 'store down') throw new Error('store down');
      return stored.filter((e) => e.seq > afterSeq).sort((a, b) => a.seq - b.seq).slice(0, limit);
    },
    isMember: async () => options.member ?? true,
    detach: (cursor) => void detached.push(cursor),
    countReplayed: () => undefined,
    countResync: () => undefined,
  };
  return {
    sent,
    stored,
    detached,
    socket,
    history,
    seqs: () => sent.filter((f) => f.type === 'event').map((f) => f.event.seq),
    hold() {
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      return () => {
        gate = null;
        open();
      };
    },
    breakStore: () => void (failure = 'store down'),
    failure: () => failure,
    cursor: (last: number, held = false) => new ConversationCursor('app_1', CONV, socket, history, last, held),
  };
}

describe('conversation cursor', () => {
  it('sends live events in order and drops duplicates', () => {
    const h = harness();
    const cursor = h.cursor(0);
    for (const seq of [1, 2, 2, 1, 3]) cursor.offer(live(seq), undefined);
    expect(h.seqs()).toEqual([1, 2, 3]);
  });

  it('fills a gap from the store before the live event that revealed it', async () => {
    const h = harness({ stored: [doc(2), doc(3), doc(4), doc(5)] });
    const cursor = h.cursor(0);
    cursor.offer(live(1), undefined);
    cursor.offer(live(6), undefined);
    await waitFor(() => h.seqs().length === 6);
    expect(h.seqs()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('merges live events that arrive during a fill, in order, once', async () => {
    const h = harness({ stored: [doc(1), doc(2), doc(3)] });
    const cursor = h.cursor(0);
    const release = h.hold();
    cursor.offer(live(4), undefined);
    cursor.offer(live(2), undefined);
    cursor.offer(live(5), undefined);
    cursor.offer(live(4), undefined);
    release();
    await waitFor(() => h.seqs().length >= 5);
    expect(h.seqs()).toEqual([1, 2, 3, 4, 5]);
  });

  it('skips sequences a dead writer reserved but never wrote', async () => {
    const h = harness({ stored: [doc(1), doc(2), doc(4)] });
    const cursor = h.cursor(2);
    cursor.offer(live(4), undefined);
    await waitFor(() => h.seqs().length === 1);
    expect(h.seqs()).toEqual([4]);
  });

  it('a resume replay stops at a hole a writer may still fill; the live stream completes it', async () => {
    const h = harness({ stored: [doc(1), doc(2), doc(4, { published: false })] });
    const cursor = h.cursor(0, true);
    cursor.release(true);
    await waitFor(() => h.seqs().length === 2);
    cursor.offer(live(3), undefined);
    cursor.offer(live(4), undefined);
    expect(h.seqs()).toEqual([1, 2, 3, 4]);
  });

  it('a resume replay pages through the store and passes holes below published events', async () => {
    const stored = [1, 2, 3, 5, 6, 7, 8].map((seq) => doc(seq));
    const h = harness({ stored, pageSize: 2 });
    const cursor = h.cursor(0, true);
    cursor.offer(live(9), undefined);
    cursor.release(true);
    await waitFor(() => h.seqs().length === 8);
    expect(h.seqs()).toEqual([1, 2, 3, 5, 6, 7, 8, 9]);
  });

  it('sends resync when a gap is larger than the replay cap, then carries on live', async () => {
    const h = harness({ maxReplay: 3 });
    const cursor = h.cursor(1);
    cursor.offer(live(10), undefined);
    await waitFor(() => h.seqs().length === 1);
    expect(h.sent[0]).toMatchObject({ type: 'resync', conversationId: CONV, fromSeq: 1, toSeq: 9, reason: 'too_many_missed' });
    cursor.offer(live(11), undefined);
    expect(h.seqs()).toEqual([10, 11]);
  });

  it("stops after the user's own removal and detaches; a later re-add in the same replay resumes", async () => {
    const removed = doc(2, { type: 'member.removed', payload: { userId: 'ben' } });
    const readded = doc(4, { type: 'member.added', payload: { member: { userId: 'ben' } } });
    const h = harness({ stored: [doc(1), removed, doc(3), readded, doc(5)], pageSize: 10 });
    h.cursor(0, true).release(true);
    await waitFor(() => h.seqs().length === 4);
    expect(h.seqs()).toEqual([1, 2, 4, 5]);
    expect(h.detached).toEqual([]);

    const gone = harness();
    const cursor = gone.cursor(0);
    cursor.offer(live(1, { type: 'member.removed', payload: { userId: 'ben' } }), undefined);
    cursor.offer(live(2), undefined);
    expect(gone.seqs()).toEqual([1]);
    expect(gone.detached).toEqual([cursor]);
  });

  it('sends a shadowed message only to its author', () => {
    const shadowed = { payload: { message: { text: 'hidden', authorId: 'cat', shadowed: true } } };
    const ben = harness({ userId: 'ben' });
    const cat = harness({ userId: 'cat' });
    ben.cursor(0).offer(live(1, shadowed), undefined);
    cat.cursor(0).offer(live(1, shadowed), undefined);
    expect(ben.seqs()).toEqual([]);
    expect(cat.seqs()).toEqual([1]);
  });

  it('fails the socket (so it reconnects and resumes) when the store cannot be read', async () => {
    const h = harness();
    const cursor = h.cursor(0);
    h.breakStore();
    cursor.offer(live(3), undefined);
    await waitFor(() => h.failure() instanceof Error);
    expect(h.seqs()).toEqual([]);
  });
});
