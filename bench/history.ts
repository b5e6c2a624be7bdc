/**
 * History paging on a long conversation (DESIGN §9: a page of 50 on a 1 000 000-message
 * conversation, p99 ≤ 10 ms): `GET /v1/conversations/:id/messages?before=<seq>&limit=50` at
 * random places in the conversation, one request at a time, against CaaS in local mode and,
 * in the same run, a bare Hono handler reading the same page from a plain SQLite table (the
 * ceiling). Rounds alternate between the two; each server's round with the lowest p99 is kept.
 *
 * `--mode cluster` runs CaaS on the engines named in the environment (infra/engines/up.sh); the
 * ceiling stays the same plain SQLite table.
 *
 *   npx tsx bench/history.ts [--mode local|cluster] [--messages 1000000] [--pages 2000] [--rounds 3]
 */
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { startServer, stopServer } from './load.ts';
import { percentile } from './percentile.ts';
import { processCpuMicros } from './process-cpu.ts';
import { writeSection } from './report.ts';
import { seededRandom } from '../tests/support/seeded-random.ts';

const { values } = parseArgs({ options: { mode: { type: 'string', default: 'local' }, messages: { type: 'string', default: '1000000' }, pages: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' } } });
const total = Number(values.messages);
const pages = Number(values.pages);
const rounds = Number(values.rounds);
const mode = values.mode === 'cluster' ? 'cluster' : 'local';
if (mode === 'cluster' && !process.env.MONGO_URL) throw new Error('cluster mode needs the engines in the environment (set -a; . /tmp/caas-engines/env; set +a)');
const LIMIT = 50;

/** Why a page costs what it does on the CI engines; said beside every cluster run. */
const CLUSTER_NOTE = `
On the CI engines the store is FerretDB v1 on PostgreSQL, which hands PostgreSQL only the
equalities of a filter: a sorted, limited \`seq\` range read every message of the conversation
(≈ 0.13 ms a message: p99 1 750 ms a page at 10 000 messages, about two minutes at 1 000 000,
measured before the change). The store declares \`capabilities.rangeScans: false\`, and a page
there walks windows of sequences asked by equality (\`functions/events/seq-windows.ts\`): each
message carries its seq block (\`conversationId:⌊seq / 32⌋\`, indexed), and a page reads the blocks
nearest its cursor (as many more as the density seen asks for) until it holds its messages. The cost of a page no
longer depends on the conversation's length; what is left is FerretDB's own cost per document read
(≈ 0.25 ms: a block of 32 takes ≈ 8 ms), over the 2–3 blocks a page of 50 reads; the reader's
own reactions are asked only for messages that have any (none here). This conversation
holds messages only; where reactions, replies and other events take sequences between them, a
page reads proportionally more blocks. MongoDB answers the same page from the (conversationId, seq)
index. The router's CPU per page is counted over a page's whole wall time, so it includes what the
process does meanwhile (its workers' polls, its engine clients' timers and heartbeats).
`;

interface ServerInfo {
  url: string;
  path: string;
  headers: Record<string, string>;
  newestSeq: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One GET; resolves with the status, the page's sequences and the milliseconds it took. */
function getPage(server: ServerInfo, before: number | null): Promise<{ status: number; seqs: number[]; ms: number }> {
  const started = performance.now();
  const url = new URL(`${server.url}${server.path}?limit=${LIMIT}${before === null ? '' : `&before=${before}`}`);
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: server.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const ms = performance.now() - started;
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages?: Array<{ seq: number }> };
        resolve({ status: res.statusCode ?? 0, seqs: (body.messages ?? []).map((message) => message.seq), ms });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

interface Round {
  p50: number;
  p99: number;
  cpuUsPerPage: number;
}

/** `pages` pages at cursors spread over the whole conversation (the same cursors for every server), or the newest page. */
async function round(server: ServerInfo, pid: number, kind: 'random' | 'newest', seed: number): Promise<Round> {
  const next = seededRandom(seed);
  const times: number[] = [];
  const cpuBefore = await processCpuMicros(pid);
  for (let i = 0; i < pages; i++) {
    // Cursors from the oldest full page to past the newest message.
    const before = kind === 'newest' ? null : LIMIT + 1 + Math.floor(next() * (server.newestSeq - LIMIT));
    const page = await getPage(server, before);
    if (page.status !== 200 || page.seqs.length !== LIMIT) throw new Error(`${server.url}: page before ${before} answered ${page.status} with ${page.seqs.length} messages`);
    const newestOnPage = page.seqs.at(-1)!;
    if (before !== null && newestOnPage !== before - 1) throw new Error(`${server.url}: page before ${before} ends at ${newestOnPage}`);
    times.push(page.ms);
  }
  const cpu = (await processCpuMicros(pid)) - cpuBefore;
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), cpuUsPerPage: cpu / pages };
}

const seedStarted = performance.now();
const ceiling = await startServer<ServerInfo>('bench/servers/sqlite-history.ts', [String(total)]);
const caas = await startServer<ServerInfo>('bench/servers/caas-history.ts', [String(total), mode]);
const seedSeconds = (performance.now() - seedStarted) / 1000;
try {
  const servers = { ceiling, caas };
  const results: Record<'ceiling' | 'caas', Record<'random' | 'newest', Round[]>> = { ceiling: { random: [], newest: [] }, caas: { random: [], newest: [] } };
  for (const [name, server] of Object.entries(servers)) await round(server.info, server.child.pid!, 'random', 99).catch((error: unknown) => Promise.reject(new Error(`warm-up of ${name}: ${String(error)}`)));
  for (let r = 0; r < rounds; r++) {
    for (const kind of ['random', 'newest'] as const) {
      for (const name of ['ceiling', 'caas'] as const) results[name][kind].push(await round(servers[name].info, servers[name].child.pid!, kind, r + 1));
    }
  }
  const best = (list: Round[]) => [...list].sort((a, b) => a.p99 - b.p99)[0]!;
  const serverLabel = { ceiling: 'plain SQLite + bare Hono (ceiling)', caas: `CaaS, ${mode} mode` };
  const row = (label: string, name: 'ceiling' | 'caas', kind: 'random' | 'newest') => {
    const b = best(results[name][kind]);
    return `| ${label} | ${serverLabel[name]} | ${b.p50.toFixed(2)} | ${b.p99.toFixed(2)} | ${Math.round(b.cpuUsPerPage)} |`;
  };
  const ratio = (kind: 'random' | 'newest') => best(results.caas[kind]).p99 / best(results.ceiling[kind]).p99;
  const p99 = (kind: 'random' | 'newest') => best(results.caas[kind]).p99;
  const verdict = (kind: 'random' | 'newest') => (p99(kind) <= 10 ? 'meets target' : '**below target**');
  await writeSection(
    `history-${mode}`,
    `## History pages on a ${total.toLocaleString('en-US')}-message conversation (${mode} mode)

\`npx tsx bench/history.ts --mode ${mode} --messages ${total} --pages ${pages} --rounds ${rounds}\` — ${new Date().toISOString().slice(0, 10)}

One group conversation of ten members holding ${total.toLocaleString('en-US')} messages (texts from the search
benchmark's corpus). Ten are sent through the API; the rest are copies of those rows with their own id,
sequence, time and text, written through the store port (encrypted at rest under their author's
data key, as the send path writes them). A member reads \`GET …/messages?before=<seq>&limit=${LIMIT}\`
one request at a time: ${pages} pages at cursors spread uniformly over the whole conversation, and
${pages} newest pages (no cursor); every answer is checked (${LIMIT} messages ending just before the
cursor). The ceiling is a bare Hono handler on \`@hono/node-server\` reading the same page from a
plain SQLite table (one JSON document per message, primary key (conversation, sequence)), same
texts, same client, same run. Rounds alternate between the two; each kind's round with the lowest
p99 of ${rounds} is kept. CaaS's page includes what the API does for every read: authentication,
the membership check, decrypting 50 texts, the caller's own reactions, the view.

| pages | server | p50 ms | p99 ms | server CPU µs/page |
| --- | --- | ---: | ---: | ---: |
${row('anywhere in the conversation', 'ceiling', 'random')}
${row('anywhere in the conversation', 'caas', 'random')}
${row('newest', 'ceiling', 'newest')}
${row('newest', 'caas', 'newest')}

- anywhere in the conversation: p99 **${p99('random').toFixed(2)} ms** (target ≤ 10 ms: ${verdict('random')}), ${ratio('random').toFixed(2)}× the ceiling's
- newest page: p99 **${p99('newest').toFixed(2)} ms** (target ≤ 10 ms: ${verdict('newest')}), ${ratio('newest').toFixed(2)}× the ceiling's
- seeding both servers took ${seedSeconds.toFixed(0)} s
${mode === 'cluster' ? CLUSTER_NOTE : ''}`,
  );
  process.stdout.write(`history, ${mode} mode: random p99 ${p99('random').toFixed(2)} ms (${ratio('random').toFixed(2)}x), newest p99 ${p99('newest').toFixed(2)} ms (${ratio('newest').toFixed(2)}x)\n`);
} finally {
  await Promise.all([stopServer(ceiling.child), stopServer(caas.child)]);
  agent.destroy();
}
