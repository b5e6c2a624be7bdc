import type { MiddlewareHandler } from 'hono';
import type { RateLimitBucket } from '../../infra/cache/port.ts';
import type { Services } from '../context.ts';
import { AppError } from '../errors.ts';
import { clientAddress, parseTrustedProxies } from './client-address.ts';
import type { HttpEnv } from './env.ts';

/**
 * Per-address limits that run before authentication, for every call (unauthenticated, forged or
 * valid credentials, admin calls, blob URLs): `CAAS_RATE_LIMIT_IP` requests a minute, and a
 * stricter `CAAS_RATE_LIMIT_AUTH_FAILURES` failed authentications (401s) a minute, past which
 * the address is refused everything until its failure budget has room again (brute force of
 * tokens or the admin token). Liveness and readiness probes are exempt. Both are GCRA buckets on
 * the cache port, so they hold across replicas; a request looks at both in one cache call (the
 * failure budget only looked at: it is charged after a 401).
 */
const WINDOW_MS = 60_000;
const EXEMPT = new Set(['/healthz', '/readyz']);

function refused(message: string, retryAfterMs: number, limit: number): AppError {
  return new AppError('RATE_LIMITED', message, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))), 'RateLimit-Limit': String(limit), 'RateLimit-Remaining': '0' },
  });
}

export function ipGuard(services: Services): MiddlewareHandler<HttpEnv> {
  const trusted = parseTrustedProxies(services.config.CAAS_TRUSTED_PROXIES);
  const { CAAS_RATE_LIMIT_IP: perMinute, CAAS_RATE_LIMIT_AUTH_FAILURES: failuresPerMinute } = services.config;
  const { cache } = services.ports;
  const failureRule = { limit: failuresPerMinute, windowMs: WINDOW_MS };
  const failureCheck = { ...failureRule, checkOnly: true };
  const requestRule = { limit: perMinute, windowMs: WINDOW_MS };
  return async (c, next) => {
    const ip = clientAddress(c, trusted);
    if (ip === null || EXEMPT.has(c.req.path)) return next();
    const failureKey = `caas:rl:authfail:${ip}`;
    const checks: Array<{ bucket: RateLimitBucket; message: string }> = [];
    if (failuresPerMinute > 0) {
      checks.push({ bucket: { key: failureKey, rule: failureCheck }, message: 'Too many failed authentications from this address; retry later' });
    }
    if (perMinute > 0) {
      checks.push({ bucket: { key: `caas:rl:ip:${ip}`, rule: requestRule }, message: 'Too many requests from this address; slow down and retry after the given delay' });
    }
    if (checks.length > 0) {
      const verdicts = await cache.rateLimitAll(checks.map((check) => check.bucket));
      const index = verdicts.findIndex((verdict) => !verdict.allowed);
      if (index >= 0) throw refused(checks[index]!.message, verdicts[index]!.retryAfterMs, verdicts[index]!.limit);
    }
    await next();
    // A refusal here only means the budget is already spent: the address stays refused either way.
    if (failuresPerMinute > 0 && c.res.status === 401) await cache.rateLimit(failureKey, failureRule);
  };
}
