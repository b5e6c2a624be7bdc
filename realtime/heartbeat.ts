/**
 * One sweep over the node's sockets every `heartbeatMs` (not a timer per socket): a socket that
 * has not answered the previous ping — nor sent anything — is a dead peer and is terminated;
 * a socket whose token has expired is closed with 4001 so the client re-authenticates.
 */
import type { Clock } from '../runtime/clock.ts';
import { CLOSE } from './close-codes.ts';
import type { Connection } from './connection.ts';

export function startHeartbeat(connections: () => Iterable<Connection>, heartbeatMs: number, clock: Clock): () => void {
  const timer = setInterval(() => {
    const now = clock.now();
    for (const connection of connections()) {
      if (connection.closed) continue;
      if (!connection.alive) {
        connection.terminate('dead_peer');
        continue;
      }
      if (connection.state !== 'authenticating' && connection.expiresAt <= now) {
        connection.close(CLOSE.UNAUTHENTICATED, 'token expired', 'unauthenticated');
        continue;
      }
      connection.alive = false;
      connection.ws.ping();
    }
  }, heartbeatMs);
  timer.unref();
  return () => clearInterval(timer);
}
