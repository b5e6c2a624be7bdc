import type { RestClient, TokenSource } from '../rest/client.ts';
import type { BackoffOptions } from './backoff.ts';
import type { PositionStore } from './positions.ts';

/** The part of the WebSocket API the client uses: browsers' WebSocket and the `ws` package both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface RealtimeClientOptions {
  /** API base URL (`http://localhost:3000`); the socket goes to `/v1/realtime` on it. */
  baseUrl: string;
  /** A user JWT, or a callback returning a fresh one: called at every connect and before expiry. */
  token: TokenSource;
  /** Default globalThis.WebSocket (browsers, Node ≥ 22); pass `ws`'s class on Node 20. */
  WebSocket?: WebSocketConstructor;
  /** Where the last sequence per conversation is kept; default in memory. */
  positions?: PositionStore;
  /** With a REST client (same user), `resync` gaps are paged in and emitted in order. */
  rest?: RestClient;
  backoff?: BackoffOptions;
  /** Refresh the token this long before it expires (default 60 s). */
  refreshBeforeMs?: number;
  random?: () => number;
}
