/**
 * Serves a realtime node on an existing HTTP server — the router's in local mode (one port for
 * everything), a bare operations server in cluster mode (bin/realtime.ts).
 */
import type { Server } from 'node:http';
import type { ServerType } from '@hono/node-server';
import type { RealtimeNode } from './node.ts';

export function attachRealtime(server: ServerType, node: RealtimeNode): void {
  // @hono/node-server serves on node:http unless told to use http2, which has no 'upgrade'.
  (server as Server).on('upgrade', node.handleUpgrade);
}
