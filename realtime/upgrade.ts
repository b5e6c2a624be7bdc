/**
 * The HTTP side of `GET /v1/realtime`: checks path, protocol offer and (when the token rides in
 * `Sec-WebSocket-Protocol`) credentials and Origin before the upgrade, so a refused client gets a
 * plain HTTP status with a problem+json body and never a socket.
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Services } from '../runtime/context.ts';
import { AppError, toProblem } from '../runtime/errors.ts';
import { asAppError } from '../runtime/http/problem.ts';
import { identify, readOfferedProtocols, type Identity } from './credentials.ts';

export const REALTIME_PATH = '/v1/realtime';
const TOKEN_PARAMS = ['token', 'access_token', 'jwt', 'auth'];

export type AcceptSocket = (ws: WebSocket, origin: string | undefined, identity: Identity | null) => void;

export interface UpgradeGate {
  services: Services;
  wss: WebSocketServer;
  accepting(): boolean;
  accept: AcceptSocket;
}

export function handleUpgrade(gate: UpgradeGate, request: IncomingMessage, socket: Duplex, head: Buffer): void {
  // A client that resets during the async checks must not crash the process.
  socket.on('error', destroyOnError);
  admit(gate, request).then(
    (identity) => complete(gate, request, socket, head, identity),
    (error: unknown) => {
      const refusal = asAppError(error);
      if (refusal.status >= 500) gate.services.log.error({ err: error }, 'realtime upgrade failed');
      refuse(socket, refusal);
    },
  );
}

/**
 * Hands the socket to ws. Kept apart from handleUpgrade so nothing that lives as long as the
 * socket (listeners, the accept callback) closes over the upgrade request and its headers.
 */
function complete(gate: UpgradeGate, request: IncomingMessage, socket: Duplex, head: Buffer, identity: Identity | null): void {
  const origin = request.headers.origin;
  socket.off('error', destroyOnError);
  gate.wss.handleUpgrade(request, socket, head, (ws) => gate.accept(ws, origin, identity));
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

async function admit(gate: UpgradeGate, request: IncomingMessage): Promise<Identity | null> {
  const url = new URL(request.url ?? '/', 'http://realtime.invalid');
  if (url.pathname !== REALTIME_PATH) throw new AppError('NOT_FOUND', `No WebSocket endpoint at ${url.pathname}`);
  if (!gate.accepting()) throw new AppError('ENGINE_UNAVAILABLE', '[realtime] this node is shutting down; connect to another one');
  if (TOKEN_PARAMS.some((name) => url.searchParams.has(name))) {
    throw new AppError('BAD_REQUEST', '[realtime] tokens in the URL are refused (they end up in logs); use Sec-WebSocket-Protocol or an auth frame');
  }
  const offered = readOfferedProtocols(request.headers['sec-websocket-protocol']);
  return offered.token === null ? null : identify(gate.services, offered.token, request.headers.origin);
}

function refuse(socket: Duplex, error: AppError): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(toProblem(error, undefined, REALTIME_PATH));
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/problem+json\r\n' +
      'Cache-Control: no-store\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
