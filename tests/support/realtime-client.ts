/**
 * A WebSocket client for end-to-end tests of the realtime tier: records every frame, waits for
 * observable outcomes (never fixed sleeps), and exposes the close code the server chose.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { attachRealtime, startRealtime, type RealtimeNode, type StartRealtimeOptions } from '../../realtime/index.ts';
import { waitFor } from './wait-for.ts';
import type { LocalPlatform } from './local-platform.ts';

export type Frame = Record<string, any>;

export interface ConnectOptions {
  /** Sent in Sec-WebSocket-Protocol as `bearer.<token>`; omit to authenticate with an auth frame. */
  token?: string;
  origin?: string;
  protocols?: string[];
  path?: string;
}

export class RealtimeClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  closeCode: number | null = null;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as Frame));
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.closeCode = code;
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Conversation events received, optionally for one conversation. */
  events(conversationId?: string): Frame[] {
    return this.frames.filter((f) => f.type === 'event' && (!conversationId || f.event.conversationId === conversationId)).map((f) => f.event);
  }

  messages(conversationId: string): Frame[] {
    return this.events(conversationId).filter((e) => e.type === 'message.new').map((e) => e.payload.message);
  }

  async next(predicate: (frame: Frame) => boolean, what = 'frame', timeoutMs?: number): Promise<Frame> {
    await waitFor(() => this.frames.some(predicate), timeoutMs, what);
    return this.frames.find(predicate)!;
  }

  async waitForEvents(conversationId: string, count: number, what = `${count} events`): Promise<Frame[]> {
    await waitFor(() => this.events(conversationId).length >= count, undefined, what);
    return this.events(conversationId);
  }

  /** Sends `resume` and waits for `subscribed`. */
  async resume(conversations: Record<string, number> = {}): Promise<Frame> {
    this.send({ v: 1, type: 'resume', conversations });
    return this.next((f) => f.type === 'subscribed', 'subscribed');
  }

  /** Stops reading from the TCP socket, as a client on a stalled network would. */
  pauseReading(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  resumeReading(): void {
    (this.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  }

  close(): Promise<unknown> {
    this.ws.close();
    return this.closed;
  }
}

function realtimeUrl(baseUrl: string, path = '/v1/realtime'): string {
  return `${baseUrl.replace(/^http/, 'ws')}${path}`;
}

function open(baseUrl: string, options: ConnectOptions): WebSocket {
  const protocols = options.protocols ?? ['caas.v1', ...(options.token ? [`bearer.${options.token}`] : [])];
  return new WebSocket(realtimeUrl(baseUrl, options.path), protocols, options.origin ? { origin: options.origin } : {});
}

/** Opens a socket and resolves once it is open (before any frame). */
export function connect(baseUrl: string, options: ConnectOptions = {}): Promise<RealtimeClient> {
  const ws = open(baseUrl, options);
  const client = new RealtimeClient(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused with ${response.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Connects with the token in Sec-WebSocket-Protocol, waits for `ready`, then resumes (live from now by default). */
export async function connectLive(baseUrl: string, token: string, resume: Record<string, number> = {}, options: ConnectOptions = {}): Promise<RealtimeClient> {
  const client = await connect(baseUrl, { ...options, token });
  await client.next((f) => f.type === 'ready', 'ready');
  await client.resume(resume);
  return client;
}

/** The HTTP answer to an upgrade the server refuses. */
export function refusedUpgrade(baseUrl: string, options: ConnectOptions = {}): Promise<{ status: number; body: any }> {
  const ws = open(baseUrl, options);
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('upgrade was accepted'));
    });
    ws.once('unexpected-response', (_request, response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    ws.once('error', () => undefined);
  });
}

/** A second realtime node on the same platform (same store, cache and bus), on its own port: a cluster in one process. */
export interface ExtraNode {
  url: string;
  node: RealtimeNode;
  close(): Promise<void>;
}

export async function startExtraNode(platform: LocalPlatform, options: StartRealtimeOptions = {}): Promise<ExtraNode> {
  const node = await startRealtime(platform.services, options);
  const server: Server = createServer((_request, response) => response.writeHead(404).end());
  attachRealtime(server, node);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    node,
    async close() {
      await node.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
