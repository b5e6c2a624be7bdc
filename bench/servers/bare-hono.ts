/** The ceiling for the send benchmark: a bare Hono handler on @hono/node-server that parses JSON and answers. */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';

const app = new Hono();
let seq = 0;
app.post('/v1/conversations/:id/messages', async (c) => {
  const body = await c.req.json<{ text: string }>();
  seq += 1;
  return c.json({ id: `m${seq}`, conversationId: c.req.param('id'), seq, text: body.text, createdAt: Date.now() }, 201);
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
