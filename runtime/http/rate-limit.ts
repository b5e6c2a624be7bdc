import type { RateLimitBucket, RateLimitVerdict } from '../../infra/cache/port.ts';
import type { Caller, Services } from '../context.ts';
import { AppError } from '../errors.ts';

/**
 * Rate limits per app, per server key and per user (the per-address limits run before
 * authentication, in ip-guard.ts), on the cache port (Redis in cluster mode, so limits hold
 * across router replicas). Limits are requests per minute from config; 0 turns one off. The
 * tightest verdict is reported in the RateLimit-* headers; a refusal is a 429 with Retry-After.
 */
const WINDOW_MS = 60_000;

/** The caller's own bucket (user or key) and the app's, charged together or not at all. */
function buckets(services: Services, caller: Caller): RateLimitBucket[] {
  const limits = services.config;
  const bucket = (key: string, limit: number): RateLimitBucket => ({ key, rule: { limit, windowMs: WINDOW_MS } });
  const list: RateLimitBucket[] = [];
  if (caller.kind === 'server') list.push(bucket(`caas:rl:key:${caller.keyId}`, limits.CAAS_RATE_LIMIT_KEY));
  if (caller.kind === 'user') list.push(bucket(`caas:rl:user:${caller.appId}:${caller.userId}`, limits.CAAS_RATE_LIMIT_USER));
  if (caller.kind === 'server' || caller.kind === 'user') list.push(bucket(`caas:rl:app:${caller.appId}`, limits.CAAS_RATE_LIMIT_APP));
  return list.filter(({ rule }) => rule.limit > 0);
}

function headersFor(verdict: RateLimitVerdict): Record<string, string> {
  return {
    'RateLimit-Limit': String(verdict.limit),
    'RateLimit-Remaining': String(Math.max(0, verdict.remaining)),
    'RateLimit-Reset': String(Math.ceil(verdict.resetMs / 1000)),
  };
}

/**
 * Throws RATE_LIMITED when any bucket is empty; otherwise returns the headers to send. One call
 * to the cache charges every bucket or, when any refuses, none: a request the caller's own limit
 * refuses costs the budget every other caller of the app shares nothing.
 */
export async function enforceRateLimits(services: Services, caller: Caller): Promise<Record<string, string>> {
  const list = buckets(services, caller);
  if (list.length === 0) return {};
  const verdicts = await services.ports.cache.rateLimitAll(list);
  const refused = verdicts.find((verdict) => !verdict.allowed);
  if (refused) {
    throw new AppError('RATE_LIMITED', 'Too many requests; slow down and retry after the given delay', {
      headers: { ...headersFor(refused), 'Retry-After': String(Math.max(1, Math.ceil(refused.retryAfterMs / 1000))) },
    });
  }
  const tightest = verdicts.reduce((a, b) => (b.remaining / b.limit < a.remaining / a.limit ? b : a));
  return headersFor(tightest);
}
