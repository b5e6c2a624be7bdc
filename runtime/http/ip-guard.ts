import type { MiddlewareHandler } from 'hono';
import type { Services } from '../context.ts';
import { AppError } from '../errors.ts';
import { clientAddress, parseTrustedProxies } from './client-address.ts';
import type { HttpEnv } from './env.ts';

/**
 * Per-address limits that run before authentication, for every call (unauthenticated, forged or
 * valid credentials, admin calls, blob URLs): `CAAS_RATE_LIMIT_IP` requests a minute, and a
 * stricter `CAAS_RATE_LIMIT_AUTH_FAILURES` 401s a minute, after which the address is refused
 * everything until the minute is over (brute force of tokens or the admin token). Liveness and
 * readiness probes are exempt. Counters live on the cache port, so they hold across replicas.
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
  return async (c, next) => {
    const ip = clientAddress(c, trusted);
    if (ip === null || EXEMPT.has(c.req.path)) return next();
    const failureKey = `caas:rl:authfail:${ip}`;
    if (failuresPerMinute > 0) {
      const failures = Number((await cache.get(failureKey)) ?? 0);
      if (failures >= failuresPerMinute) {
        throw refused('Too many failed authentications from this address; retry later', await cache.ttl(failureKey), failuresPerMinute);
      }
    }
    if (perMinute > 0) {
      const verdict = await cache.rateLimit(`caas:rl:ip:${ip}`, { limit: perMinute, windowMs: WINDOW_MS });
      if (!verdict.allowed) throw refused('Too many requests from this address; slow down and retry after the given delay', verdict.retryAfterMs, perMinute);
    }
    await next();
    if (failuresPerMinute > 0 && c.res.status === 401) await cache.incr(failureKey, 1, { ttlMs: WINDOW_MS });
  };
}
