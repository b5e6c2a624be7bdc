/**
 * Per-connection limit on client frames: a token bucket kept in the connection itself, so the
 * check costs no round trip. Frames across connections and nodes that must be limited together
 * (typing per user and conversation) use the cache's rate limiter instead.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.refilledAt = now;
  }

  /** Takes one token; false when none is left. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is available again. */
  retryAfterMs(): number {
    return Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }
}
