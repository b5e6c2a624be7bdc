/**
 * What hooks cost on the send path (DESIGN §9: ≤ 10 % each): send throughput with no hook, with a
 * pre-send hook that allows everything, and with a webhook on every message (its worker runs in
 * the server's process), all beside each other in one run. Rates are sustained: each run waits
 * until the work its sends left behind (relay, indexer, every webhook delivery) is done.
 *
 *   npx tsx bench/hooks.ts [--connections 32] [--seconds 8]
 */
import { parseArgs } from 'node:util';
import { runLoad, startServer, stopServer, type LoadResult } from './load.ts';
import { processCpuMicros } from './process-cpu.ts';
import { writeSection } from './report.ts';
import { awaitCaughtUp } from './backlog.ts';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '32' }, seconds: { type: 'string', default: '8' } } });
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const body = JSON.stringify({ text: 'hello from the hooks benchmark' });

const receiver = await startServer<{ url: string }>('bench/servers/hook-receiver.ts');
const receiverUrl = receiver.info.url;

/** Deliveries the receiver got, and how many distinct `webhook-id`s (a redelivered message keeps its id). */
async function receiverStats(): Promise<{ deliveries: number; distinct: number }> {
  return (await (await fetch(`${receiverUrl}/stats`)).json()) as { deliveries: number; distinct: number };
}

async function resetReceiver(): Promise<void> {
  await (await fetch(`${receiverUrl}/reset`)).arrayBuffer();
}

interface HookRun extends LoadResult {
  /** Seconds after the load until the background work it left was done (relay, indexer, webhook deliveries). */
  catchUpSeconds: number;
  /** Sends per second over the load and the catch-up together. */
  sustainedPerSecond: number;
  /** The CaaS process's CPU per send over the load and the catch-up (the receiver's is not in it). */
  serverCpuUsPerSend: number;
}

/** Until every message sent so far has reached the receiver's webhook once. */
async function awaitDelivered(sent: number): Promise<void> {
  const deadline = performance.now() + 300_000;
  for (;;) {
    const { distinct } = await receiverStats();
    if (distinct >= sent) return;
    if (performance.now() > deadline) throw new Error(`webhook deliveries still behind: ${distinct} of ${sent}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function measure(hooks: string): Promise<HookRun> {
  const { info, child } = await startServer<{ url: string; token: string; conversationId: string }>('bench/servers/caas-hooks.ts', [hooks, receiverUrl]);
  try {
    const target = { url: `${info.url}/v1/conversations/${info.conversationId}/messages`, method: 'POST' as const, headers: { 'content-type': 'application/json', authorization: `Bearer ${info.token}` }, body };
    // Each phase ends once the work its sends left behind is done, as in the send benchmark.
    const caughtUp = async (sent: number) => {
      const started = performance.now();
      await awaitCaughtUp(info.url, sent, { consumers: true });
      if (hooks.includes('webhook')) await awaitDelivered(sent);
      return (performance.now() - started) / 1000;
    };
    await resetReceiver();
    const warmUp = await runLoad({ ...target, connections, seconds: 2 });
    const succeeded = (run: LoadResult) => run.total - run.non2xx;
    await caughtUp(succeeded(warmUp));
    const cpuBefore = await processCpuMicros(child.pid!);
    const load = await runLoad({ ...target, connections, seconds });
    const catchUpSeconds = await caughtUp(succeeded(warmUp) + succeeded(load));
    return {
      ...load,
      requestsPerSecond: load.total / seconds,
      catchUpSeconds,
      sustainedPerSecond: load.total / (seconds + catchUpSeconds),
      serverCpuUsPerSend: ((await processCpuMicros(child.pid!)) - cpuBefore) / Math.max(load.total, 1),
    };
  } finally {
    await stopServer(child);
  }
}

const none = await measure('');
const preSend = await measure('pre-send');
const webhook = await measure('webhook');
const delivered = await receiverStats();
await stopServer(receiver.child);
for (const [name, run] of Object.entries({ none, preSend, webhook })) {
  if (run.non2xx > 0 || run.errors > 0) throw new Error(`the ${name} run answered ${run.non2xx} non-2xx and ${run.errors} errors: not valid`);
}

const cost = (run: HookRun) => `${((1 - run.sustainedPerSecond / none.sustainedPerSecond) * 100).toFixed(1)} %`;
const row = (name: string, run: HookRun) =>
  `| ${name} | ${Math.round(run.requestsPerSecond)} | ${run.catchUpSeconds.toFixed(1)} | ${Math.round(run.sustainedPerSecond)} | ${run.p50Ms} | ${run.p99Ms} | ${Math.round(run.serverCpuUsPerSend)} | ${cost(run)} |`;
await writeSection(
  'hooks',
  `## Hooks on the send path (local mode)

\`npx tsx bench/hooks.ts --connections ${connections} --seconds ${seconds}\` — ${new Date().toISOString().slice(0, 10)}

The send benchmark's request, three times: no hook; a pre-send hook answering \`allow\` from a
local \`node:http\` receiver (one signed HTTP call per send); a webhook on every \`message.new\`
to one endpoint at the same receiver (its dispatcher and sender run in the bus consumers' thread,
competing for the same cores). As in the send benchmark, each run waits after its warm-up and
after its load until the work the sends left behind is done (the relay, the search indexer, and
with the webhook every message delivered), counts the CPU spent meanwhile, and reports sends per
second over the load and the catch-up together ("sustained"); the cost is read on that rate.
The server runs as \`npm start\` does with rate-limit budgets no run reaches: before 2026-12-07 it
ran with the default per-address budget (6 000 requests a minute), and its figures (≈ 69
requests/s whatever the hooks) measured that limiter; until later that day the webhook's figures
did not wait for its deliveries, and the receiver shared the load client's process (its answers
waited on the client's event loop). The receiver runs in a process of its own, as an app's service
would, but on the same two cores: the cost includes its work; CaaS's own CPU per send is beside it.
A cost within ±10 % of zero is within this harness's noise.

| configuration | req/s during load | catch-up s | sustained sends/s | p50 ms | p99 ms | CaaS CPU µs/send | cost (sustained) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${row('no hooks (baseline)', none)}
${row('pre-send hook (allow)', preSend)}
${row('webhook on every message', webhook)}

Webhook deliveries: ${delivered.distinct} messages delivered, ${delivered.deliveries - delivered.distinct} delivered twice;
one endpoint is sent in order, one delivery at a time (docs/webhooks.md), so an app sending faster
than the endpoint drains falls behind: here the queue took ${webhook.catchUpSeconds.toFixed(1)} s after ${seconds} s of sending to empty.
`,
);
process.stdout.write(`none ${Math.round(none.sustainedPerSecond)}/s, pre-send ${Math.round(preSend.sustainedPerSecond)}/s (${cost(preSend)}), webhook ${Math.round(webhook.sustainedPerSecond)}/s (${cost(webhook)}); catch-up ${webhook.catchUpSeconds.toFixed(1)} s\n`);
