/**
 * What hooks cost on the send path (DESIGN §9: ≤ 10 % each): send throughput with no hook, with a
 * pre-send hook that allows everything, and with a webhook on every message (its worker shares
 * the process), all beside each other in one run; and how fast the webhook worker drains.
 *
 *   npx tsx bench/hooks.ts [--connections 32] [--seconds 8]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { runLoad, stopServer, type LoadResult } from './load.ts';
import { processCpuMicros } from './process-cpu.ts';
import { writeSection } from './report.ts';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '32' }, seconds: { type: 'string', default: '8' } } });
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const body = JSON.stringify({ text: 'hello from the hooks benchmark' });

let webhookDeliveries = 0;
let lastDeliveryAt = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url === '/webhook') {
      webhookDeliveries++;
      lastDeliveryAt = performance.now();
      res.writeHead(204).end();
    } else res.writeHead(200, { 'content-type': 'application/json' }).end('{"action":"allow"}');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.2', resolve));
const receiverUrl = `http://127.0.0.2:${(receiver.address() as AddressInfo).port}`;

interface HookRun extends LoadResult {
  /** The CaaS process's CPU per send during the load (the receiver's is not in it). */
  serverCpuUsPerSend: number;
  drainSeconds?: number;
}

async function measure(hooks: string): Promise<HookRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/servers/caas-hooks.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_HOOKS: hooks, BENCH_RECEIVER: receiverUrl },
  });
  const info = await new Promise<{ url: string; token: string; conversationId: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
  });
  try {
    const target = { url: `${info.url}/v1/conversations/${info.conversationId}/messages`, method: 'POST' as const, headers: { 'content-type': 'application/json', authorization: `Bearer ${info.token}` }, body };
    await runLoad({ ...target, connections, seconds: 2 });
    webhookDeliveries = 0;
    const started = performance.now();
    const cpuBefore = await processCpuMicros(child.pid!);
    const load = await runLoad({ ...target, connections, seconds });
    const result = { ...load, serverCpuUsPerSend: ((await processCpuMicros(child.pid!)) - cpuBefore) / Math.max(load.total, 1) };
    if (!hooks.includes('webhook')) return result;
    const sentDuringRun = result.total;
    const deadline = performance.now() + 120_000;
    while (webhookDeliveries < sentDuringRun && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    return { ...result, drainSeconds: (lastDeliveryAt - started) / 1000 };
  } finally {
    await stopServer(child);
  }
}

const none = await measure('');
const preSend = await measure('pre-send');
const webhook = await measure('webhook');
receiver.close();
for (const [name, run] of Object.entries({ none, preSend, webhook })) {
  if (run.non2xx > 0 || run.errors > 0) throw new Error(`the ${name} run answered ${run.non2xx} non-2xx and ${run.errors} errors: not valid`);
}

const cost = (run: LoadResult) => `${((1 - run.requestsPerSecond / none.requestsPerSecond) * 100).toFixed(1)} %`;
const row = (name: string, run: HookRun) => `| ${name} | ${Math.round(run.requestsPerSecond)} | ${run.p50Ms} | ${run.p99Ms} | ${Math.round(run.serverCpuUsPerSend)} | ${cost(run)} |`;
await writeSection(
  'hooks',
  `## Hooks on the send path (local mode)

\`npx tsx bench/hooks.ts --connections ${connections} --seconds ${seconds}\` — ${new Date().toISOString().slice(0, 10)}

The send benchmark's request, three times: no hook; a pre-send hook answering \`allow\` from a
local \`node:http\` receiver (one signed HTTP call per send); a webhook on every \`message.new\`
(its dispatcher and sender run in the same process, competing for the same cores).
The server runs as \`npm start\` does (bus consumers in a thread of their own) with rate-limit budgets
no run reaches: before 2026-12-07 it ran with the default per-address budget (6 000 requests a
minute), and its figures (≈ 69 requests/s whatever the hooks) measured that limiter. The receiver
and the load client share one process and the machine's two cores with CaaS, so the throughput
cost includes the receiver's work; CaaS's own CPU per send is beside it. A baseline far below the
send benchmark's means the machine was busy: read only the ratios, and rerun before drawing
conclusions; a cost within ±10 % of zero is within this harness's noise.

| configuration | req/s | p50 ms | p99 ms | CaaS CPU µs/send | throughput cost |
| --- | ---: | ---: | ---: | ---: | ---: |
${row('no hooks (baseline)', none)}
${row('pre-send hook (allow)', preSend)}
${row('webhook on every message', webhook)}

Webhook worker: ${webhookDeliveries} deliveries of ${webhook.total} sent messages; the last one arrived
${webhook.drainSeconds?.toFixed(1)} s after the run started (${seconds} s of sending), i.e.
≈ ${Math.round(webhookDeliveries / (webhook.drainSeconds ?? 1))} deliveries/s end to end, one endpoint, in order.
`,
);
process.stdout.write(`none ${Math.round(none.requestsPerSecond)}/s, pre-send ${Math.round(preSend.requestsPerSecond)}/s (${cost(preSend)}), webhook ${Math.round(webhook.requestsPerSecond)}/s (${cost(webhook)}); ${webhookDeliveries} deliveries in ${webhook.drainSeconds?.toFixed(1)} s\n`);
