/**
 * The ceiling for the send benchmark in local mode: a bare Hono handler on @hono/node-server that
 * parses the same JSON body and answers 201, on the same routes the CaaS server is driven on.
 *
 *   node --import tsx bench/servers/bare-hono.ts <one|many> <senders>
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type { SendTarget } from '../load.ts';

const [shape = 'one', count = '64'] = process.argv.slice(2);
const app = new Hono();
let seq = 0;
app.post('/v1/conversations/:id/messages', async (c) => {
  const body = await c.req.json<{ text: string }>();
  seq += 1;
  return c.json({ id: `m${seq}`, conversationId: c.req.param('id'), seq, text: body.text, createdAt: Date.now() }, 201);
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => {
  const conversations = shape === 'one' ? 1 : Number(count);
  const targets: SendTarget[] = Array.from({ length: Number(count) }, (_, i) => ({ path: `/v1/conversations/conv${i % conversations}/messages`, headers: {} }));
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, targets })}\n`);
});
