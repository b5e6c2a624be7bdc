/**
 * What the fan-out benchmark's processes say to each other over IPC, and the one event both
 * servers push, so CaaS and the bare `ws` ceiling send frames of the same shape and size.
 */
export type ServerCommand = { type: 'memory' } | { type: 'cpu' } | { type: 'publish'; round: number } | { type: 'stop' };

export type ServerReply =
  | { type: 'ready'; url: string; protocols: string[][] | null; sender?: { token: string; conversationId: string } }
  | { type: 'memory'; rss: number; heap: number }
  /** The server process's CPU time so far (user + system), in microseconds. */
  | { type: 'cpu'; micros: number }
  | { type: 'published'; round: number };

export type ClientCommand = { type: 'connect'; url: string; count: number; protocols: string[][] | null; resume: boolean } | { type: 'close' };

export type ClientReply =
  | { type: 'connected'; ms: number }
  | { type: 'round'; round: number; latencies: number[] }
  | { type: 'closed' };

/** Epoch milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** A chat message as the API renders it (~400 bytes), carrying the round and the publish time. */
export function benchEvent(conversationId: string, seq: number, round: number) {
  const at = Date.now();
  return {
    id: `${conversationId}:${String(seq).padStart(12, '0')}`,
    conversationId,
    seq,
    type: 'message.new',
    actorId: 'sender',
    at,
    payload: {
      message: {
        id: `msg_bench${String(seq).padStart(20, '0')}`,
        conversationId,
        seq,
        authorId: 'sender',
        type: 'regular',
        text: 'Hello everyone, the quarterly all-hands starts in five minutes in the main hall.',
        attachments: [],
        mentions: [],
        custom: {},
        parentId: null,
        createdAt: at,
        editedAt: null,
        deleted: false,
        shadowed: false,
      },
      bench: { round, sentAt: preciseNow() },
    },
  };
}
