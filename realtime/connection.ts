/**
 * One client socket: who it is, where it stands in each conversation, and the one path every
 * outgoing frame takes — which is where the send buffer is bounded. A socket that has more than
 * `maxBufferedBytes` queued is closed with 4008 instead of growing the node's memory.
 */
import { WebSocket } from 'ws';
import type { Logger } from '../runtime/logger.ts';
import { newId } from '../runtime/ids.ts';
import { CLOSE } from './close-codes.ts';
import type { ConversationCursor, CursorSocket } from './cursor.ts';
import type { DisconnectReason } from './metrics.ts';
import type { ServerFrame } from './protocol.ts';
import type { TokenBucket } from './token-bucket.ts';

export type ConnectionState = 'authenticating' | 'ready' | 'starting' | 'live' | 'closed';
export type ClientStatus = 'online' | 'away';

export interface ConnectionHooks {
  log: Logger;
  maxBufferedBytes: number;
  /** Frames sent by every connection of the node: a plain field, the cheapest count on the hot path. */
  sent: number;
  /** Counted when the server decides, not when the close handshake ends (a stalled client may take 30 s). */
  countDisconnect(reason: DisconnectReason): void;
}

/** ws infers `binary` from the data type; frames are JSON text even when sent as a shared Buffer. */
const TEXT = { binary: false } as const;

export class Connection implements CursorSocket {
  readonly id = newId('conn');
  state: ConnectionState = 'authenticating';
  appId = '';
  userId = '';
  /** When the token presented last expires (epoch ms); checked by the heartbeat sweep. */
  expiresAt = 0;
  status: ClientStatus = 'online';
  /** Cleared when a ping is sent, set by the pong (or any frame): a socket still false at the next sweep is dead. */
  alive = true;
  readonly cursors = new Map<string, ConversationCursor>();
  /** Conversations whose members hear about this user's presence (realtime/presence-scope.ts). */
  presenceScope: string[] = [];
  /** Typing indicators this socket started, each ending by itself when its timer fires. */
  typing: Map<string, NodeJS.Timeout> | null = null;
  /** Client frames are handled one after another, so `auth` then `resume` sent together keep their order. */
  inbox: Promise<void> = Promise.resolve();
  authTimer: NodeJS.Timeout | null = null;
  /** Frames refused by the rate limit since the last accepted one. */
  refused = 0;
  /** Why the server closed the socket; null while open or when the client closed it. */
  closeReason: DisconnectReason | null = null;

  constructor(
    readonly ws: WebSocket,
    readonly origin: string | undefined,
    readonly bucket: TokenBucket,
    private readonly hooks: ConnectionHooks,
  ) {}

  get closed(): boolean {
    return this.state === 'closed' || this.ws.readyState !== WebSocket.OPEN;
  }

  get userKey(): string {
    return userKeyOf(this.appId, this.userId);
  }

  send(frame: Buffer | string): void {
    if (this.closed) return;
    if (this.ws.bufferedAmount > this.hooks.maxBufferedBytes) {
      this.close(CLOSE.SLOW_CONSUMER, 'slow consumer', 'slow_consumer');
      return;
    }
    this.ws.send(frame, TEXT);
    this.hooks.sent += 1;
  }

  sendFrame(frame: ServerFrame): void {
    this.send(JSON.stringify(frame));
  }

  /** Starts the close handshake; `text` goes to the client (at most 123 bytes), `reason` to metrics. */
  close(code: number, text: string, reason: DisconnectReason): void {
    if (this.ws.readyState !== WebSocket.OPEN && this.ws.readyState !== WebSocket.CONNECTING) return;
    this.decided(reason);
    this.ws.close(code, Buffer.byteLength(text) > 123 ? text.slice(0, 120) : text);
  }

  /** Drops the socket without a close handshake (dead peers, crash drills). */
  terminate(reason: DisconnectReason): void {
    this.decided(reason);
    this.ws.terminate();
  }

  private decided(reason: DisconnectReason): void {
    if (this.closeReason !== null) return;
    this.closeReason = reason;
    this.hooks.countDisconnect(reason);
  }

  fail(error: unknown): void {
    this.hooks.log.error({ err: error, connectionId: this.id }, 'realtime delivery failed; closing so the client resumes');
    this.close(CLOSE.INTERNAL_ERROR, 'internal error; resume', 'error');
  }
}

export function userKeyOf(appId: string, userId: string): string {
  return `${appId}\u0000${userId}`;
}

export function splitUserKey(key: string): [appId: string, userId: string] {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
}
