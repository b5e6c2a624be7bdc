/**
 * What a fault scenario records (tests/faults/load-driver.ts) and reads back from the platform once
 * it is over: the input of the checker (tests/faults/checker.ts). Times are epoch milliseconds.
 */

/** One HTTP attempt of a send: acknowledged (2xx with a message), or why not. */
export interface Attempt {
  /** When the attempt was sent; `at` is when its answer (or error) came. */
  sentAt: number;
  at: number;
  /** 'acked': 200/201 with a message; 'status': another HTTP answer; 'error': connection error or timeout. */
  outcome: 'acked' | 'status' | 'error';
  status?: number;
  code?: string;
  messageId?: string;
  seq?: number;
}

/** One logical send: a clientMessageId, tried until acknowledged or the scenario ends. */
export interface SendRecord {
  clientMessageId: string;
  conversationId: string;
  attempts: Attempt[];
}

/** A conversation event frame one socket connection received. */
export interface FrameRecord {
  /** Which reconnection of the socket (0, 1, …) received it. */
  connection: number;
  at: number;
  conversationId: string;
  seq: number;
  type: string;
  clientMessageId: string | null;
}

/** One (re)connection of the resuming socket: the positions it resumed from. */
export interface ConnectionRecord {
  connection: number;
  at: number;
  resumedFrom: Record<string, number>;
}

/** A message as the history pages show it after the scenario. */
export interface StoredMessage {
  id: string;
  seq: number;
  clientMessageId: string | null;
}

export interface FaultWindow {
  name: string;
  /** When the fault was injected (process killed, engine stopped). */
  start: number;
  /** When it was undone (restart issued): recovery times count from here. */
  end: number;
}

export interface History {
  fault: FaultWindow;
  sends: SendRecord[];
  socket: { connections: ConnectionRecord[]; frames: FrameRecord[] };
  /** Per conversation, after the scenario: every message (history pages) and every event seq (events pages). */
  final: Record<string, { messages: StoredMessage[]; eventSeqs: number[] }>;
  /** Media uploads (scenarios that stop the S3 server): `messageId` of an ack is the media id. */
  uploads?: { records: SendRecord[]; readable: Record<string, boolean> };
}
