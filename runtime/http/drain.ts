/**
 * Graceful shutdown of a node:http server (docs/operations.md, "Shutdown"). Once draining began:
 *
 * - no new connection is accepted;
 * - a request already running finishes, and its response says `Connection: close`;
 * - a request arriving afterwards on a kept-alive connection gets 503 problem+json with
 *   `Connection: close` and `Retry-After` (operations endpoints still answer, /readyz with 503),
 *   so every request the server read gets an HTTP answer and no client sees a reset;
 * - an idle kept-alive connection stays open for a linger (its keep-alive timeout, announced to the
 *   client), then it is closed: a client writing on it in that instant is the one race left, the
 *   same one every keep-alive timeout has.
 */
import type { Http2Bindings, HttpBindings } from '@hono/node-server';
import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { Readable } from 'node:stream';
import type { Lifecycle } from '../context.ts';
import { AppError } from '../errors.ts';
import { problemResponse } from './problem.ts';

type Fetch = (request: Request, env: HttpBindings | Http2Bindings) => Response | Promise<Response>;

/** Paths still served while draining: probes must see the node leave, scrapes its last figures. */
const OPERATIONS = new Set(['/healthz', '/readyz', '/metrics']);
const RETRY_AFTER_SECONDS = '1';

/** Wraps a fetch handler so that, while `lifecycle.draining`, it answers as described above. */
export function drainingFetch(fetch: Fetch, lifecycle: Lifecycle): Fetch {
  return async (request, env) => {
    if (lifecycle.draining && !OPERATIONS.has(new URL(request.url).pathname)) {
      // Closing with request bytes still unread makes the kernel send a reset, which can reach the
      // client before the 503 does: read the body to its end first.
      await discardBody(env.incoming);
      env.outgoing.setHeader('connection', 'close');
      const refusal = new AppError('SHUTTING_DOWN', 'This node is shutting down; retry (on another node)', { headers: { 'retry-after': RETRY_AFTER_SECONDS } });
      return problemResponse(refusal, undefined, new URL(request.url).pathname);
    }
    const response = await fetch(request, env);
    if (lifecycle.draining && !env.outgoing.headersSent) {
      await discardBody(env.incoming);
      env.outgoing.setHeader('connection', 'close');
    }
    return response;
  };
}

/** How long a refused request's body may take to arrive before the 503 goes out anyway. */
const BODY_DISCARD_MS = 1_000;

async function discardBody(incoming: Readable): Promise<void> {
  if (incoming.readableEnded || incoming.destroyed) return;
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    incoming.once('end', resolve).once('close', resolve).once('error', resolve);
    timer = setTimeout(resolve, BODY_DISCARD_MS);
    incoming.resume();
  });
  clearTimeout(timer);
}

/**
 * Stops accepting, waits up to `lingerMs` for requests on kept-alive connections (less once every
 * connection closed by itself), closes the idle ones, and resolves once every connection is
 * closed (upgraded sockets included: close those first). `http.Server#close` is not used: it closes idle keep-alive connections at once,
 * racing a client that is just writing its next request on one.
 */
export async function drainConnections(server: Server, lingerMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
  let lingering: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise((resolve) => (lingering = setTimeout(resolve, lingerMs)))]);
  clearTimeout(lingering);
  // A response whose headers went out before the drain (a stream) leaves its connection kept
  // alive when it ends; it is closed on the next sweep.
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 250);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
  }
}
