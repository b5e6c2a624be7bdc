/**
 * GCRA (generic cell rate algorithm), the rate limiter both cache adapters implement: pure math
 * over one stored number, the theoretical arrival time (TAT), so the Redis adapter runs the same
 * steps in a Lua script and the two agree exactly.
 *
 * Semantics for a rule `{ limit, windowMs, cost = 1 }`:
 * - Each request of `cost` pushes the TAT forward by `cost * windowMs / limit` (the emission
 *   interval). A request is allowed while the pushed TAT stays within `windowMs` of now, so a
 *   fresh key admits a burst of exactly `limit`, and capacity refills smoothly: one request
 *   every `windowMs / limit`, the full `limit` after `windowMs` of silence.
 * - A refused request changes nothing (it does not consume capacity).
 * - `remaining`: requests of cost 1 that would still be allowed right now.
 * - `retryAfterMs`: when refused, how long until this same request would be allowed; 0 when allowed.
 * - `resetMs`: how long until the key is back to a full burst of `limit` (the stored state can
 *   expire then).
 * - `checkOnly`: the verdict of a request of `cost`, but nothing is charged: an allowed check
 *   reports the state as it is.
 * - Several buckets (`gcraAll`): each gives its own verdict; the TATs are stored only when every
 *   bucket allows, so a request any bucket refuses costs none of them anything.
 */
import { AppError } from '../../runtime/errors.ts';
import type { RateLimitBucket, RateLimitRule, RateLimitVerdict } from './port.ts';

export interface GcraOutcome {
  verdict: RateLimitVerdict;
  /** The TAT to store when allowed (null when refused: state unchanged). */
  nextTat: number | null;
}

/** Rejects rules no request could ever satisfy, rather than returning a misleading retry time. */
export function assertValidRule(adapter: string, rule: RateLimitRule): void {
  const cost = rule.cost ?? 1;
  const valid =
    Number.isInteger(rule.limit) &&
    rule.limit > 0 &&
    Number.isFinite(rule.windowMs) &&
    rule.windowMs > 0 &&
    Number.isInteger(cost) &&
    cost >= 0 &&
    cost <= rule.limit;
  if (!valid) {
    throw new AppError(
      'BAD_REQUEST',
      `[${adapter}] rate limit rule needs an integer limit > 0, windowMs > 0 and an integer cost in 0..limit`,
    );
  }
}

/** Every rule valid and no key twice (one request cannot be charged to one bucket twice in one step). */
export function assertValidBuckets(adapter: string, buckets: readonly RateLimitBucket[]): void {
  for (const bucket of buckets) assertValidRule(adapter, bucket.rule);
  if (new Set(buckets.map((bucket) => bucket.key)).size !== buckets.length) {
    throw new AppError('BAD_REQUEST', `[${adapter}] rate limit buckets must have distinct keys`);
  }
}

/** @param storedTat the TAT read from the key, or null when the key is absent. */
export function gcra(storedTat: number | null, now: number, rule: RateLimitRule): GcraOutcome {
  const { limit, windowMs } = rule;
  const cost = rule.cost ?? 1;
  const interval = windowMs / limit;
  const tat = Math.max(storedTat ?? now, now);
  const pushedTat = tat + cost * interval;
  const allowAt = pushedTat - windowMs;

  if (allowAt > now) {
    return {
      nextTat: null,
      verdict: {
        allowed: false,
        limit,
        remaining: remainingAt(tat, now, rule),
        resetMs: Math.ceil(tat - now),
        retryAfterMs: Math.max(1, Math.ceil(allowAt - now)),
      },
    };
  }
  if (rule.checkOnly) {
    return {
      nextTat: null,
      verdict: { allowed: true, limit, remaining: remainingAt(tat, now, rule), resetMs: Math.ceil(tat - now), retryAfterMs: 0 },
    };
  }
  return {
    nextTat: pushedTat,
    verdict: {
      allowed: true,
      limit,
      remaining: remainingAt(pushedTat, now, rule),
      resetMs: Math.ceil(pushedTat - now),
      retryAfterMs: 0,
    },
  };
}

/** All or nothing: `nextTats` are the TATs to store (null: leave that key alone), all null when any bucket refuses. */
export function gcraAll(storedTats: ReadonlyArray<number | null>, now: number, rules: readonly RateLimitRule[]): { verdicts: RateLimitVerdict[]; nextTats: Array<number | null> } {
  const outcomes = rules.map((rule, index) => gcra(storedTats[index] ?? null, now, rule));
  const allowed = outcomes.every((outcome) => outcome.verdict.allowed);
  return { verdicts: outcomes.map((outcome) => outcome.verdict), nextTats: outcomes.map((outcome) => (allowed ? outcome.nextTat : null)) };
}

function remainingAt(tat: number, now: number, rule: RateLimitRule): number {
  const interval = rule.windowMs / rule.limit;
  // Small epsilon so float rounding of windowMs / limit never hides a whole request.
  const free = Math.floor((rule.windowMs - (tat - now)) / interval + 1e-9);
  return Math.min(rule.limit, Math.max(0, free));
}
