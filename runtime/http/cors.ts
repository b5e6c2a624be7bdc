import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { HttpEnv } from './env.ts';

const ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id', 'X-On-Behalf-Of'];
const EXPOSE_HEADERS = ['X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Idempotent-Replayed'];

/**
 * CORS for `origins` ('*' for any). Preflights are Hono's cors middleware. Other requests get their
 * headers set on the handler's response after it ran: Hono's cors sets them on `c.res` before the
 * handler, and the handler's response is then rebuilt from its body stream, which takes
 * @hono/node-server off its fast path for every response (the body read as a web stream).
 */
export function corsHeaders(origins: string[]): MiddlewareHandler<HttpEnv> {
  const anyOrigin = origins.includes('*');
  const preflight = cors({ origin: anyOrigin ? '*' : origins, allowHeaders: ALLOW_HEADERS, exposeHeaders: EXPOSE_HEADERS, maxAge: 600 });
  const exposed = EXPOSE_HEADERS.join(',');
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    await next();
    const headers = c.res.headers;
    const origin = c.req.header('origin') ?? '';
    const allowed = anyOrigin ? '*' : origins.includes(origin) ? origin : null;
    if (allowed) headers.set('Access-Control-Allow-Origin', allowed);
    headers.set('Access-Control-Expose-Headers', exposed);
    if (!anyOrigin) headers.append('Vary', 'Origin');
  };
}
