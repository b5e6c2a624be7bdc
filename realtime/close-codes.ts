/**
 * WebSocket close codes the realtime tier sends; documented in docs/realtime-protocol.md.
 * 4xxx codes are ours and tell the client what to do next: reconnect (1001, 1011, 4008),
 * fix its credentials (4001), or stop (4003).
 */
export const CLOSE = {
  NORMAL: 1000,
  /** The node is shutting down (draining): reconnect (to another node) and resume. */
  GOING_AWAY: 1001,
  /** ws sends it by itself when a frame exceeds `maxPayload`. */
  FRAME_TOO_LARGE: 1009,
  /** Something failed on the server (e.g. the store during a replay): reconnect and resume. */
  INTERNAL_ERROR: 1011,
  /** No valid credentials: bad, expired or revoked token, or no `auth` frame in time. */
  UNAUTHENTICATED: 4001,
  /** The app does not allow this Origin. */
  FORBIDDEN_ORIGIN: 4003,
  /** The client spoke a protocol version this server does not support. */
  UNSUPPORTED_VERSION: 4005,
  /** The client read too slowly: its send buffer passed the limit. Reconnect and resume. */
  SLOW_CONSUMER: 4008,
  /** The client kept sending frames over its rate limit. */
  RATE_LIMITED: 4029,
} as const;

export type CloseCode = (typeof CLOSE)[keyof typeof CLOSE];
