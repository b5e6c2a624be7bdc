import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { Agent, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Lifecycle } from '../../runtime/context.ts';
import { drainConnections, drainingFetch } from '../../runtime/http/drain.ts';

/**
 * The drain of runtime/http/drain.ts on a real node:http server and kept-alive connections: the
 * request in flight finishes, one arriving on a kept-alive connection afterwards gets a 503 with
 * `Connection: close`, and no new connection is accepted.
 */
interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(port: number, path: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const servers: ServerType[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function start(lifecycle: Lifecycle): Promise<{ server: Server; port: number; release: () => void }> {
  let release = () => undefined as void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const app = new Hono();
  app.get('/slow', async (c) => {
    await gate;
    return c.text('done');
  });
  app.get('/fast', (c) => c.text('ok'));
  app.get('/readyz', (c) => c.json({ status: lifecycle.draining ? 'draining' : 'ready' }, lifecycle.draining ? 503 : 200));
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: drainingFetch(app.fetch, lifecycle), port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  servers.push(server);
  return { server: server as Server, port: (server.address() as AddressInfo).port, release };
}

describe('draining an HTTP server', () => {
  it('finishes the request in flight, answers a late one on a kept-alive connection with 503, accepts no new connection', async () => {
    const lifecycle: Lifecycle = { draining: false };
    const { server, port, release } = await start(lifecycle);
    const busy = new Agent({ keepAlive: true, maxSockets: 1 });
    const idle = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await get(port, '/fast', idle)).status).toBe(200);
    const inFlight = get(port, '/slow', busy);
    await new Promise((resolve) => setTimeout(resolve, 50));

    lifecycle.draining = true;
    const drained = drainConnections(server as Server, 300);
    // Arrives on the idle kept-alive connection after the drain began.
    const late = await get(port, '/fast', idle);
    expect(late.status).toBe(503);
    expect(late.headers.connection).toBe('close');
    expect(late.headers['retry-after']).toBe('1');
    expect(late.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(late.body)).toMatchObject({ status: 503, code: 'SHUTTING_DOWN' });

    await expect(get(port, '/fast', new Agent({ keepAlive: false }))).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    release();
    const finished = await inFlight;
    expect(finished).toMatchObject({ status: 200, body: 'done' });
    expect(finished.headers.connection).toBe('close');
    await drained;
    busy.destroy();
    idle.destroy();
  });

  it('reads a refused request to its end before answering 503 and closing, so the close is no reset', async () => {
    const lifecycle: Lifecycle = { draining: true };
    const { port } = await start(lifecycle);
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let received = '';
    let bodySent = false;
    let answeredBeforeBody = false;
    socket.on('data', (chunk) => {
      if (!bodySent) answeredBeforeBody = true;
      received += chunk.toString();
    });
    const ended = new Promise<string>((resolve, reject) => {
      socket.once('end', () => resolve('end'));
      socket.once('error', reject);
    });
    socket.write('POST /fast HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    bodySent = true;
    socket.write('{"a":"bcd"}');
    expect(await ended).toBe('end');
    expect(answeredBeforeBody).toBe(false);
    expect(received).toMatch(/^HTTP\/1\.1 503 /);
    expect(received.toLowerCase()).toContain('connection: close');
    socket.destroy();
  });

  it('keeps /readyz answering while draining, so a probe sees the node leave', async () => {
    const lifecycle: Lifecycle = { draining: false };
    const { port } = await start(lifecycle);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await get(port, '/readyz', agent)).status).toBe(200);
    lifecycle.draining = true;
    const probe = await get(port, '/readyz', agent);
    expect(probe.status).toBe(503);
    expect(JSON.parse(probe.body)).toEqual({ status: 'draining' });
    expect(probe.headers.connection).toBe('close');
    agent.destroy();
  });

  it('closes a connection left idle through the linger', async () => {
    const lifecycle: Lifecycle = { draining: false };
    const { server, port } = await start(lifecycle);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await get(port, '/fast', agent)).status).toBe(200);
    lifecycle.draining = true;
    await drainConnections(server as Server, 50);
    const open = await new Promise<number>((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
    expect(open).toBe(0);
    agent.destroy();
  });
});
