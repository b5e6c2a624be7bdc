import type { MiddlewareHandler } from 'hono';
import { randomUUID } from 'node:crypto';
import type { Services } from '../context.ts';
import type { HttpEnv } from './env.ts';

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * First middleware: a request id (the caller's `X-Request-Id` when well-formed, else a new one),
 * a per-request child logger carrying it, one access-log line per request.
 */
export function requestContext(services: Services): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    const log = services.log.child({ requestId });
    c.set('requestId', requestId);
    c.set('log', log);
    c.set('services', services);
    const started = performance.now();
    await next();
    // On the response's own headers: Hono's c.header() after the handler rebuilds the response
    // from its body stream, which takes @hono/node-server off its fast path (the body is then
    // read as a web stream, with timer hops, for every response).
    c.res.headers.set('x-request-id', requestId);
    const status = c.res.status;
    const line = { method: c.req.method, path: c.req.path, status, ms: Math.round(performance.now() - started) };
    if (status >= 500) log.error(line, 'request failed');
    else log.info(line, 'request');
  };
}
