/**
 * Knobs of a realtime node, with the defaults production runs on. Tests shrink them (a small
 * send buffer to trip the slow-consumer cutoff, a short presence TTL to watch a dead node's
 * users go offline); nothing here reads the environment.
 */
export interface RealtimeOptions {
  /** Ping every socket this often; a socket that has not answered the previous ping is terminated. */
  heartbeatMs: number;
  /** A socket that did not authenticate in the upgrade must send an `auth` frame within this time. */
  authTimeoutMs: number;
  /** Largest client frame accepted (ws `maxPayload`); a larger one closes the socket with 1009. */
  maxPayloadBytes: number;
  /** Bytes queued for one socket (ws `bufferedAmount`) beyond which it is closed as a slow consumer (4008). */
  maxBufferedBytes: number;
  /** Most events replayed for one conversation on resume or on a gap; beyond it the client gets `resync`. */
  maxReplay: number;
  /** Events read from the store per page while replaying. */
  replayPageSize: number;
  /** Client frames per second per connection (token bucket refill rate). */
  framesPerSecond: number;
  /** Client frames a connection may send in a burst. */
  frameBurst: number;
  /** How long a user stays online on a node that stopped renewing (a crashed node). Renewed every third of it. */
  presenceTtlMs: number;
  /** Presence is pushed in direct conversations and groups up to this size; larger ones use presence.query. */
  presenceMaxMembers: number;
  /** Occupancy frames: a presence change is pushed as a count this long after it (changes in between fold into one). */
  occupancyDelayMs: number;
  /** Conversations over 200 members get at most one occupancy frame per this interval (plus the delay). */
  occupancyBigIntervalMs: number;
  /** A typing indicator ends by itself after this long without a new `typing.start`. */
  typingTtlMs: number;
  /** `typing.start` frames allowed per user and conversation in `typingWindowMs`, across nodes. */
  typingLimit: number;
  typingWindowMs: number;
  /** On shutdown, sockets that have not finished the close handshake after this long are terminated. */
  shutdownGraceMs: number;
  /** Run the bus consumer that republishes conversation events onto the cache pub/sub (one per node, one group). */
  runFanout: boolean;
}

export const DEFAULT_REALTIME_OPTIONS: RealtimeOptions = {
  heartbeatMs: 30_000,
  authTimeoutMs: 5_000,
  maxPayloadBytes: 64 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxReplay: 1_000,
  replayPageSize: 200,
  framesPerSecond: 20,
  frameBurst: 40,
  presenceTtlMs: 60_000,
  presenceMaxMembers: 200,
  occupancyDelayMs: 1_000,
  occupancyBigIntervalMs: 10_000,
  typingTtlMs: 6_000,
  typingLimit: 10,
  typingWindowMs: 10_000,
  shutdownGraceMs: 3_000,
  runFanout: true,
};

export function realtimeOptions(overrides: Partial<RealtimeOptions> = {}): RealtimeOptions {
  return { ...DEFAULT_REALTIME_OPTIONS, ...overrides };
}
