import type { RateLimitVerdict } from '../../infra/cache/port.ts';
import type { Caller, Services } from '../context.ts';
import { AppError } from '../errors.ts';

/**
 * Rate limits per app, per server key and per user (the per-address limits run before
 * authentication, in ip-guard.ts),
 * on the cache port (Redis in cluster mode, so limits hold across router replicas). Limits are
 * requests per minute from config; 0 turns one off. The tightest verdict is reported in the
 * RateLimit-* headers; a refusal is a 429 with Retry-After.
 */
const WINDOW_MS = 60_000;

interface Bucket {
  key: string;
  limit: number;
}

/**
 * The caller's own bucket (user or key) comes before the app's: buckets are charged one after
 * another, so a request its own bucket refuses never reaches the app's, and one caller past its
 * limit cannot use up the budget every other caller of the app shares.
 */
function buckets(services: Services, caller: Caller): Bucket[] {
  const limits = services.config;
  const list: Bucket[] = [];
  if (caller.kind === 'server') list.push({ key: `caas:rl:key:${caller.keyId}`, limit: limits.CAAS_RATE_LIMIT_KEY });
  if (caller.kind === 'user') list.push({ key: `caas:rl:user:${caller.appId}:${caller.userId}`, limit: limits.CAAS_RATE_LIMIT_USER });
  if (caller.kind === 'server' || caller.kind === 'user') list.push({ key: `caas:rl:app:${caller.appId}`, limit: limits.CAAS_RATE_LIMIT_APP });
  return list.filter((bucket) => bucket.limit > 0);
}

function headersFor(verdict: RateLimitVerdict): Record<string, string> {
  return {
    'RateLimit-Limit': String(verdict.limit),
    'RateLimit-Remaining': String(Math.max(0, verdict.remaining)),
    'RateLimit-Reset': String(Math.ceil(verdict.resetMs / 1000)),
  };
}

/** Throws RATE_LIMITED when any bucket is empty; otherwise returns the headers to send. */
export async function enforceRateLimits(services: Services, caller: Caller): Promise<Record<string, string>> {
  let tightest: RateLimitVerdict | null = null;
  for (const bucket of buckets(services, caller)) {
    const verdict = await services.ports.cache.rateLimit(bucket.key, { limit: bucket.limit, windowMs: WINDOW_MS });
    if (!verdict.allowed) {
      throw new AppError('RATE_LIMITED', 'Too many requests; slow down and retry after the given delay', {
        headers: { ...headersFor(verdict), 'Retry-After': String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))) },
      });
    }
    if (!tightest || verdict.remaining / verdict.limit < tightest.remaining / tightest.limit) tightest = verdict;
  }
  return tightest ? headersFor(tightest) : {};
}
