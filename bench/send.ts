/**
 * Send-path benchmark: N concurrent senders POST messages over HTTP, (a) all into one conversation
 * and (b) each into its own, beside a ceiling driven by the same load client in the same run:
 *
 * - local mode: a bare Hono handler on @hono/node-server (bench/servers/bare-hono.ts);
 * - cluster mode (engine URLs in the environment, e.g. from infra/engines/up.sh): the same
 *   documents written with the plain drivers on the same engines (bench/servers/plain-drivers.ts).
 *
 * Besides req/s and latency it reports the CPU each send costs: the server process's, and in
 * cluster mode the engines' (every process in each engine's process group).
 *
 *   npx tsx bench/send.ts [--mode local|cluster] [--connections 64] [--seconds 10] [--rounds 3] [--profile DIR] [--variant NAME]
 *
 * `--rounds N` measures ceiling, CaaS and CaaS relay-only N times each, alternating, and reports the
 * run with the median sustained rate of each plus the ratio of every round: on a shared machine
 * whose speed drifts by tens of percent within minutes, one ceiling run beside one CaaS run can
 * land in different weather.
 *
 * `--variant NAME` writes the results to a section of their own (e.g. `--variant ferretdb-sqlite` on
 * engines started with CAAS_FERRETDB_BACKEND=sqlite), beside the default one.
 */
import { parseArgs } from 'node:util';
import { processGroupCpuMicros, processCpuMicros, startedEngines } from './process-cpu.ts';
import { awaitCaughtUp } from './backlog.ts';
import { runLoad, startServer, stopServer, type LoadResult, type SendTarget } from './load.ts';
import { writeBarChart, writeSection } from './report.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'local' },
    connections: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    profile: { type: 'string' },
    variant: { type: 'string' },
  },
});
const mode = values.mode === 'cluster' ? 'cluster' : 'local';
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const rounds = values.profile ? 1 : Math.max(1, Number(values.rounds));
const body = JSON.stringify({ text: 'hello from the send benchmark' });
const variant = values.variant ? `-${values.variant}` : '';

if (mode === 'cluster' && !(process.env.MONGO_URL && process.env.KAFKA_BROKERS && process.env.REDIS_URL)) {
  throw new Error('cluster mode needs MONGO_URL, REDIS_URL and KAFKA_BROKERS (set -a; . /tmp/caas-engines/env; set +a)');
}

interface Measured extends LoadResult {
  serverCpuUsPerSend: number;
  engineCpuUsPerSend: number;
  /** Seconds after the load until the relay (and consumers) had done the work its sends left. */
  catchUpSeconds: number;
  /** Sends per second over the load and the catch-up together. */
  sustainedPerSecond: number;
}

async function enginePids(): Promise<number[]> {
  if (mode === 'local') return [];
  return (await startedEngines()).filter((engine) => ['mongodb', 'redis', 'kafka'].includes(engine.name)).map((engine) => engine.pid);
}

async function measure(script: string, shape: 'one' | 'many', serverArgs: string[] = []): Promise<Measured> {
  // --profile DIR: a V8 CPU profile of the CaaS server per shape (one file per thread; the largest is the main thread; summarise: bench/profile-summary.ts).
  const profile = values.profile && script === 'bench/servers/caas.ts' ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}/${mode}-${shape}`] : [];
  const { info, child } = await startServer<{ url: string; targets: SendTarget[] }>(script, [shape, String(connections), ...serverArgs], profile);
  if (info.targets.length === 0) throw new Error(`${script} named no targets`);
  const engines = await enginePids();
  try {
    const target = { url: info.url, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body, targets: info.targets, connections };
    const isCaas = script === 'bench/servers/caas.ts';
    const consumers = !serverArgs.includes('relay-only');
    // CaaS sends leave work behind (relay, consumers): each phase ends once it is done, and its CPU counts.
    const caughtUp = (sent: number) => (isCaas ? awaitCaughtUp(info.url, sent, { consumers }) : Promise.resolve(0));
    const warmUp = await runLoad({ ...target, seconds: 2 }); // warm-up: JIT, page caches, connection pools
    const succeeded = (load: LoadResult) => load.total - load.non2xx;
    await caughtUp(succeeded(warmUp));
    const serverBefore = await processCpuMicros(child.pid!);
    const enginesBefore = await processGroupCpuMicros(engines);
    const result = await runLoad({ ...target, seconds });
    if (result.non2xx > 0 && !isCaas) throw new Error(`${script} answered ${result.non2xx} non-2xx: not a ceiling`);
    const catchUpSeconds = await caughtUp(succeeded(warmUp) + succeeded(result));
    const served = Math.max(result.total, 1);
    return {
      ...result,
      // Both rates as answers over seconds (autocannon's average of per-second samples can differ).
      requestsPerSecond: result.total / seconds,
      serverCpuUsPerSend: ((await processCpuMicros(child.pid!)) - serverBefore) / served,
      engineCpuUsPerSend: ((await processGroupCpuMicros(engines)) - enginesBefore) / served,
      catchUpSeconds,
      sustainedPerSecond: result.total / (seconds + catchUpSeconds),
    };
  } finally {
    await stopServer(child);
  }
}

const ceilingScript = mode === 'local' ? 'bench/servers/bare-hono.ts' : 'bench/servers/plain-drivers.ts';
const ceilingName = mode === 'local' ? 'bare Hono on @hono/node-server 2.x' : 'plain drivers on the same engines';
/** The run with the median sustained rate (the lower middle one of an even count). */
function median(runs: Measured[]): Measured {
  return [...runs].sort((a, b) => a.sustainedPerSecond - b.sustainedPerSecond)[Math.floor((runs.length - 1) / 2)]!;
}

const rows: Array<{ shape: string; ceiling: Measured; caas: Measured; relayOnly: Measured; roundRatios: number[] }> = [];
for (const shape of ['one', 'many'] as const) {
  const runs: Array<{ ceiling: Measured; caas: Measured; relayOnly: Measured }> = [];
  for (let round = 0; round < rounds; round++) {
    const ceiling = await measure(ceilingScript, shape);
    const caas = await measure('bench/servers/caas.ts', shape);
    // The same server without the bus consumers: what they take from the request path's process.
    const relayOnly = values.profile ? caas : await measure('bench/servers/caas.ts', shape, ['relay-only']);
    runs.push({ ceiling, caas, relayOnly });
  }
  const ceiling = median(runs.map((run) => run.ceiling));
  const caas = median(runs.map((run) => run.caas));
  const roundRatios = runs.map((run) => run.caas.sustainedPerSecond / run.ceiling.sustainedPerSecond);
  rows.push({ shape: shape === 'one' ? 'one conversation' : `${connections} conversations`, ceiling, caas, relayOnly: median(runs.map((run) => run.relayOnly)), roundRatios });
  process.stdout.write(
    `${mode} ${shape}: ceiling ${Math.round(ceiling.requestsPerSecond)} req/s p99 ${ceiling.p99Ms} ms; caas ${Math.round(caas.requestsPerSecond)} req/s, ${Math.round(caas.sustainedPerSecond)} sustained (catch-up ${caas.catchUpSeconds.toFixed(1)} s) p99 ${caas.p99Ms} ms (${caas.non2xx} non-2xx, ${caas.errors} errors); ${(caas.sustainedPerSecond / ceiling.sustainedPerSecond).toFixed(2)}x${rounds > 1 ? ` (rounds: ${roundRatios.map((ratio) => ratio.toFixed(2)).join(', ')})` : ''}\n`,
  );
}

// A profiled server is slower: its figures go to the console only.
if (values.profile) process.exit(0);

const target = mode === 'local' ? { ratio: 0.25, p99: 50 } : { ratio: 0.5, p99: 100 };
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
const row = (shape: string, server: string, measured: Measured, ratio: string) =>
  `| ${shape} | ${server} | ${Math.round(measured.requestsPerSecond)} | ${measured.catchUpSeconds.toFixed(1)} | ${Math.round(measured.sustainedPerSecond)} | ${measured.p50Ms} | ${measured.p99Ms} | ${Math.round(measured.serverCpuUsPerSend)} | ${mode === 'cluster' ? Math.round(measured.engineCpuUsPerSend) : '–'} | ${measured.non2xx + measured.errors} | ${ratio} |`;
const table = rows
  .flatMap(({ shape, ceiling, caas, relayOnly }) => [
    row(shape, ceilingName, ceiling, ''),
    row(shape, 'CaaS', caas, `**${(caas.sustainedPerSecond / ceiling.sustainedPerSecond).toFixed(2)}×**`),
    row(shape, 'CaaS, relay only', relayOnly, `${(relayOnly.sustainedPerSecond / ceiling.sustainedPerSecond).toFixed(2)}×`),
  ])
  .join('\n');
const roundsNote = (ratios: number[]) => (ratios.length > 1 ? ` (round by round: ${ratios.map((ratio) => `${ratio.toFixed(2)}×`).join(', ')})` : '');
const verdicts = rows
  .map(({ shape, ceiling, caas, roundRatios }) => {
    const ratio = caas.sustainedPerSecond / ceiling.sustainedPerSecond;
    const absolute = mode === 'cluster' ? ` ; ≥ ${shape === 'one conversation' ? 300 : 1000}/s sustained: ${verdict(caas.sustainedPerSecond >= (shape === 'one conversation' ? 300 : 1000))}` : '';
    return `- ${shape}: ${ratio.toFixed(2)}× the ceiling (target ≥ ${target.ratio}×): ${verdict(ratio >= target.ratio)}${roundsNote(roundRatios)}; p99 ${caas.p99Ms} ms (target ≤ ${target.p99} ms): ${verdict(caas.p99Ms <= target.p99)}; errors ${caas.non2xx + caas.errors} (target 0): ${verdict(caas.non2xx + caas.errors === 0)}${absolute}`;
  })
  .join('\n');
const chart = await writeBarChart(
  `bench-send-${mode}${variant}.svg`,
  `Send message, ${mode} mode, ${connections} connections (sustained sends/s)`,
  'sends/s',
  rows.flatMap(({ shape, ceiling, caas }) => [
    { label: `ceiling, ${shape}`, value: ceiling.sustainedPerSecond },
    { label: `CaaS, ${shape}`, value: caas.sustainedPerSecond },
  ]),
);

await writeSection(
  `send-${mode}${variant}`,
  `## Send a message over HTTP (${mode} mode${values.variant ? `, ${values.variant}` : ''})

\`${mode === 'cluster' ? 'set -a; . /tmp/caas-engines/env; set +a; ' : ''}npx tsx bench/send.ts --mode ${mode} --connections ${connections} --seconds ${seconds}${rounds > 1 ? ` --rounds ${rounds}` : ''}${values.variant ? ` --variant ${values.variant}` : ''}\` — ${new Date().toISOString().slice(0, 10)}

Each request is an authenticated \`POST /v1/conversations/:id/messages\` by one of ${connections}
users (one connection each): JWT verification, membership, ban/mute/slow-mode checks, sequence
reservation, event (outbox) row, message row, conversation preview; the outbox relay and the bus
consumers (search indexer, audit chain, app event log, webhook dispatcher) run in the same process
in the background as \`npm start\` runs them${mode === 'local' ? ' (the consumers in a worker thread)' : ''}; no sockets are connected (no fan-out). The third row of
each shape is the same server running the outbox relay alone (no bus consumers, no pollers). Ceiling: ${ceilingName}, driven by the
same client${mode === 'cluster' ? ' (each conversation\'s previews written one at a time, the newest next, as CaaS writes them; FerretDB\'s update guard on for both)' : ''}. A send leaves work behind it (the relay publishes its event, the consumers index and
log it): after the load the benchmark waits until the relay has published every event and, with
the consumers, the search indexer has indexed every message (\`bench/backlog.ts\`). "catch-up s" is
that wait, "sustained" is sends per second over the load and the catch-up together, and the ratios
and targets use it: work deferred past the run is not speed. CPU columns are microseconds per send,
from the start of the load to the end of the catch-up: the server process${mode === 'cluster' ? ', and MongoDB-wire + Redis + Kafka engines together' : ''}.${rounds > 1 ? `
Each server ran ${rounds} times, alternating (ceiling, CaaS, CaaS relay only, then again); each
row is its run with the median sustained rate, and the verdicts list the ratio of every round.` : ''}

| shape | server | req/s during load | catch-up s | sustained sends/s | p50 ms | p99 ms | server CPU µs/send | engine CPU µs/send | errors | vs ceiling |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${table}

${verdicts}

![send benchmark, ${mode} mode](${chart})
`,
);
