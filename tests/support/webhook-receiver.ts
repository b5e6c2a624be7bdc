import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP receiver for webhook and hook tests, on 127.0.0.2 (a loopback address the tests
 * allow with CAAS_OUTBOUND_ALLOW_HOSTS, so 127.0.0.1 stays refused). Each path answers with what
 * its responder says; every request is recorded.
 */
export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Answer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Answer only after this long (to test time budgets). */
  delayMs?: number;
}

export type Responder = (request: ReceivedRequest, nth: number) => Answer | Promise<Answer>;

export interface WebhookReceiver {
  host: string;
  url(path: string): string;
  on(path: string, responder: Responder): void;
  received(path: string): ReceivedRequest[];
  close(): Promise<void>;
}

export const RECEIVER_HOST = '127.0.0.2';

export async function startReceiver(): Promise<WebhookReceiver> {
  const responders = new Map<string, Responder>();
  const log: ReceivedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const request: ReceivedRequest = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      log.push(request);
      const nth = log.filter((entry) => entry.path === request.path).length;
      const answer: Answer = await (responders.get(request.path) ?? (() => ({ status: 200 })))(request, nth);
      const send = () => {
        if (res.destroyed) return;
        const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
        res.end(text);
      };
      if (!answer.delayMs) return send();
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, answer.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, RECEIVER_HOST, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `${RECEIVER_HOST}:${port}`,
    url: (path) => `http://${RECEIVER_HOST}:${port}${path}`,
    on: (path, responder) => void responders.set(path, responder),
    received: (path) => log.filter((entry) => entry.path === path),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
