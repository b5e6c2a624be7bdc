/**
 * The app's side for the hooks benchmark, in a process of its own (as an app's service would be,
 * and so the load client's event loop does not delay its answers): answers the pre-send hook with
 * `allow` and webhook deliveries with 204, counting deliveries and distinct `webhook-id`s, which
 * `GET /stats` reports. Prints its URL.
 *
 *   node --import tsx bench/servers/hook-receiver.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const webhookIds = new Set<string>();
let deliveries = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url === '/webhook') {
      deliveries++;
      webhookIds.add(String(req.headers['webhook-id']));
      res.writeHead(204).end();
    } else if (req.url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ deliveries, distinct: webhookIds.size }));
    } else if (req.url === '/reset') {
      webhookIds.clear();
      deliveries = 0;
      res.writeHead(204).end();
    } else res.writeHead(200, { 'content-type': 'application/json' }).end('{"action":"allow"}');
  });
});
server.listen(0, '127.0.0.2', () => process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.2:${(server.address() as AddressInfo).port}` })}\n`));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
