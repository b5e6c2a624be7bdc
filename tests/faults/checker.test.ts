import { describe, expect, it } from 'vitest';
import { checkHistory } from './checker.ts';
import type { FrameRecord, History, SendRecord } from './history.ts';

/**
 * The checker on hand-made histories: a clean one passes, and each kind of violation is found,
 * named and counted on its own.
 */
const FAULT = { name: 'hand-made', start: 1_000, end: 2_000 };
const C = 'conv_a';

const acked = (clientMessageId: string, seq: number, at = 2_500, messageId = `m${seq}`): SendRecord => ({
  clientMessageId,
  conversationId: C,
  attempts: [{ sentAt: at - 50, at, outcome: 'acked', status: 201, messageId, seq }],
});
const frame = (seq: number, connection = 0, at = 2_600, clientMessageId: string | null = null): FrameRecord => ({
  connection,
  at,
  conversationId: C,
  seq,
  type: 'message.new',
  clientMessageId,
});

/** Three acknowledged sends (seq 2..4 after conversation.created at 1), all delivered once, in order. */
function clean(): History {
  return {
    fault: FAULT,
    sends: [acked('a', 2, 500), acked('b', 3, 2_300), acked('c', 4, 2_400)],
    socket: {
      connections: [{ connection: 0, at: 0, resumedFrom: { [C]: 0 } }],
      frames: [frame(1, 0, 100), frame(2, 0, 600, 'a'), frame(3, 0, 2_350, 'b'), frame(4, 0, 2_450, 'c')],
    },
    final: {
      [C]: {
        messages: [
          { id: 'm2', seq: 2, clientMessageId: 'a' },
          { id: 'm3', seq: 3, clientMessageId: 'b' },
          { id: 'm4', seq: 4, clientMessageId: 'c' },
        ],
        eventSeqs: [1, 2, 3, 4],
      },
    },
  };
}

describe('the fault checker', () => {
  it('passes a clean history and measures recovery from the fault end', () => {
    const verdict = checkHistory(clean());
    expect(verdict.violations).toEqual([]);
    expect(verdict.acknowledged).toBe(3);
    expect(verdict.recovery).toEqual({ firstAckMs: 300, firstFrameMs: 350 });
  });

  it('finds a lost message: acknowledged, absent from the history', () => {
    const history = clean();
    history.final[C]!.messages.splice(1, 1);
    history.final[C]!.eventSeqs = [1, 2, 4];
    history.socket.frames.splice(2, 1);
    const verdict = checkHistory(history);
    expect(verdict.lost).toEqual(['b']);
    expect(verdict.violations).toEqual([expect.stringContaining('1 lost: b')]);
  });

  it('finds a duplicate: two messages for one clientMessageId, or two acknowledged ids', () => {
    const history = clean();
    history.final[C]!.messages.push({ id: 'm5', seq: 5, clientMessageId: 'c' });
    history.final[C]!.eventSeqs.push(5);
    history.socket.frames.push(frame(5));
    history.sends[0]!.attempts.push({ sentAt: 2_650, at: 2_700, outcome: 'acked', status: 200, messageId: 'm3', seq: 3 });
    const verdict = checkHistory(history);
    expect(verdict.duplicated.sort()).toEqual(['a', 'c']);
    expect(verdict.violations).toEqual([expect.stringContaining('2 duplicated')]);
  });

  it('allows a sequence number no event carries, but not an event the socket never got', () => {
    const history = clean();
    history.final[C]!.eventSeqs = [1, 2, 3, 4, 6, 7];
    history.final[C]!.messages.push({ id: 'm6', seq: 6, clientMessageId: 'd' }, { id: 'm7', seq: 7, clientMessageId: 'e' });
    history.sends.push(acked('d', 6), acked('e', 7));
    history.socket.frames.push(frame(7));
    const verdict = checkHistory(history);
    expect(verdict.allowedGaps).toEqual([{ conversationId: C, seq: 5 }]);
    expect(verdict.gaps).toEqual([{ conversationId: C, seq: 6 }]);
    expect(verdict.violations).toEqual([expect.stringContaining('1 events never delivered: conv_a#6')]);
  });

  it('finds reordering within a connection, and a seq delivered twice (also across a resume)', () => {
    const history = clean();
    history.socket.frames = [frame(1), frame(3, 0, 2_600, 'b'), frame(2, 0, 2_600, 'a'), frame(4, 0, 2_600, 'c'), frame(4, 1, 2_900, 'c')];
    history.socket.connections.push({ connection: 1, at: 2_800, resumedFrom: { [C]: 4 } });
    const verdict = checkHistory(history);
    expect(verdict.reordered).toEqual([{ conversationId: C, seq: 2 }]);
    expect(verdict.duplicateDeliveries).toEqual([{ conversationId: C, seq: 4 }]);
    expect(verdict.violations).toHaveLength(2);
  });

  it('a resumed connection may start lower than the last one ended: only a repeat counts', () => {
    const history = clean();
    history.socket.frames = [frame(1), frame(2, 0, 2_600, 'a'), frame(3, 1, 2_900, 'b'), frame(4, 1, 2_950, 'c')];
    history.socket.connections.push({ connection: 1, at: 2_800, resumedFrom: { [C]: 2 } });
    expect(checkHistory(history).violations).toEqual([]);
  });

  it('finds ghosts: a message no client sent, and a frame for an event the store does not have', () => {
    const history = clean();
    history.final[C]!.messages.push({ id: 'm9', seq: 9, clientMessageId: null });
    history.final[C]!.eventSeqs.push(9);
    history.socket.frames.push(frame(8), frame(9));
    const verdict = checkHistory(history);
    expect(verdict.ghosts).toEqual(['message m9 (no clientMessageId)', 'frame conv_a#8 (no such event)']);
    expect(verdict.allowedGaps.map((gap) => gap.seq)).toEqual([5, 6, 7, 8]);
    expect(verdict.violations).toEqual([expect.stringContaining('2 ghosts')]);
  });

  it('finds a stranded retry: never acknowledged though the platform was back, with its last answer', () => {
    const history = clean();
    history.sends.push({
      clientMessageId: 'x',
      conversationId: C,
      attempts: [
        { sentAt: 1_050, at: 1_100, outcome: 'error' },
        { sentAt: 2_150, at: 2_200, outcome: 'status', status: 409, code: 'IDEMPOTENCY_IN_PROGRESS' },
        { sentAt: 8_950, at: 9_000, outcome: 'status', status: 409, code: 'IDEMPOTENCY_IN_PROGRESS' },
      ],
    });
    const verdict = checkHistory(history);
    expect(verdict.stranded).toEqual([{ clientMessageId: 'x', last: 'status 409 IDEMPOTENCY_IN_PROGRESS' }]);
    expect(verdict.violations).toEqual(['1 stranded: x (status 409 IDEMPOTENCY_IN_PROGRESS)']);
  });

  it('fails when nothing was acknowledged or delivered after the fault ended', () => {
    const history = clean();
    history.sends = [acked('a', 2, 500), acked('b', 3, 600), acked('c', 4, 700)];
    history.socket.frames = history.socket.frames.map((f) => ({ ...f, at: 900 }));
    const verdict = checkHistory(history);
    expect(verdict.recovery).toEqual({ firstAckMs: null, firstFrameMs: null });
    expect(verdict.violations).toEqual(['no send was acknowledged after the fault ended', 'no message sent after the fault ended reached the socket']);
  });

  it('counts uploads: one never completed is stranded, one completed but not readable intact is lost', () => {
    const history = clean();
    const upload = (name: string, acked: boolean) => ({
      clientMessageId: name,
      conversationId: '',
      attempts: [acked ? { sentAt: 2_400, at: 2_500, outcome: 'acked' as const, status: 200, messageId: `media_${name}` } : { sentAt: 2_400, at: 2_500, outcome: 'status' as const, status: 503, code: 'put' }],
    });
    history.uploads = { records: [upload('u1', true), upload('u2', true), upload('u3', false)], readable: { media_u1: true, media_u2: false } };
    const verdict = checkHistory(history);
    expect(verdict.lost).toEqual(['u2 (media media_u2)']);
    expect(verdict.stranded).toEqual([{ clientMessageId: 'u3', last: 'status 503 put' }]);
  });
});
