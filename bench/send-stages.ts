/**
 * Where a send's time goes, stage by stage: the same domain calls the send path makes, run one at a
 * time (no concurrency, no other load) in one process, each timed for wall clock and CPU. Local
 * mode by default; cluster mode when engine URLs are in the environment. The whole path is timed
 * once more with 64 sends in flight, whose writes the store groups as under the HTTP load. The
 * background stages are timed the same way afterwards: the outbox relay publishing what the sends
 * wrote, then the consumers (search indexer, media processor) catching up with it.
 *
 *   npx tsx bench/send-stages.ts [--sends 300]
 *   set -a; . /tmp/caas-engines/env; set +a; npx tsx bench/send-stages.ts --sends 200
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../functions/apps/apps.ts';
import { createConversation } from '../functions/conversations/conversation-lifecycle.ts';
import { policyAccess } from '../functions/conversations/conversations.ts';
import { domain } from '../functions/domain.ts';
import { appendEvent, EVENTS, type EventDoc } from '../functions/events/events.ts';
import { applyProjection } from '../functions/events/projections.ts';
import { sequenceAllocator } from '../functions/events/sequence-allocator.ts';
import { sendMessage } from '../functions/messages/message-sending.ts';
import { checkMayPost, checkSlowMode } from '../functions/messages/send-policy.ts';
import { applyBlocklist, moderationSettings } from '../functions/moderation/moderation-settings.ts';
import { upsertUser } from '../functions/users/users.ts';
import { authenticateCredential } from '../runtime/auth/authenticate.ts';
import { mintUserToken } from '../runtime/auth/user-tokens.ts';
import { loadConfig } from '../runtime/config.ts';
import { newId, newSecret } from '../runtime/ids.ts';
import { startPreparedServices, stopServices } from '../runtime/platform.ts';
import { startBackgroundWork, type BackgroundWork } from '../workers/index.ts';
import { writeSection } from './report.ts';

const { values } = parseArgs({ options: { sends: { type: 'string', default: '300' } } });
const sends = Number(values.sends);
const cluster = Boolean(process.env.MONGO_URL);
const dataDir = await mkdtemp(join(tmpdir(), 'caas-stages-'));
const config = loadConfig({
  ...process.env,
  CAAS_DATA_DIR: dataDir,
  CAAS_LOG_LEVEL: 'silent',
  CAAS_NAMESPACE: `stages${newSecret(6).toLowerCase().replace(/[^a-z0-9]/g, '')}`,
});
const services = await startPreparedServices(domain, config);
const { app } = await createApp(services, { name: 'stages' });
await upsertUser(services, app._id, 'ann', {});
await upsertUser(services, app._id, 'ben', {});
const { conversation } = await createConversation(services, app._id, 'ann', { type: 'group', memberIds: ['ben'] });
const scratch = `conv_stages_${newSecret(6)}`;
const { token } = await mintUserToken({ appId: app._id, userId: 'ann', tokenVersion: 0, ttlSec: 3600, now: Date.now() }, app.signingSecret);
const input = { text: 'hello from the stage benchmark', attachments: [], mentions: [], custom: {}, silent: false, type: 'regular' as const };

const WARM_UP = 20;

interface Timing {
  wallUs: number;
  cpuUs: number;
}

/** Mean wall and CPU microseconds per run of `count` runs made by `runs`. */
async function measured(count: number, runs: () => Promise<unknown>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await runs();
  const wall = (performance.now() - started) * 1000;
  const used = process.cpuUsage(cpu);
  return { wallUs: wall / count, cpuUs: (used.user + used.system) / count };
}

/** Runs `step` `count` times one after another; mean wall and CPU microseconds per run. */
async function timed(count: number, step: (i: number) => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < WARM_UP; i++) await step(-1 - i); // warm-up (JIT, caches): steps -1 … -WARM_UP
  return measured(count, async () => {
    for (let i = 0; i < count; i++) await step(i);
  });
}

/** As `timed`, with `IN_FLIGHT` runs awaited at a time, as the HTTP benchmark's connections send: the store groups their writes. */
const IN_FLIGHT = 64;
async function timedInFlight(count: number, step: () => Promise<unknown>): Promise<Timing> {
  const inFlight = async (total: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next++ < total) await step();
      }),
    );
  };
  await inFlight(IN_FLIGHT); // warm-up
  return measured(count, () => inFlight(count));
}

const caller = () => authenticateCredential(services, { authorization: `Bearer ${token}`, onBehalfOf: undefined }, 'server-or-user');
const { caller: annCaller } = await caller();
const ctx = { ...services, caller: annCaller };
const access = await policyAccess(ctx, conversation._id, { allowNonMemberChannel: true });
const written: EventDoc[] = [];

const stages: Array<[string, Timing]> = [];
stages.push(['auth (token, app, user)', await timed(sends, caller)]);
stages.push([
  'policy (access, may post, blocklist, slow mode)',
  await timed(sends, async () => {
    const policy = await policyAccess(ctx, conversation._id, { allowNonMemberChannel: true });
    await checkMayPost(services, policy);
    applyBlocklist(input.text, await moderationSettings(services, app._id));
    await checkSlowMode(services, policy);
  }),
]);
stages.push(['sequence (reserve a number)', await timed(sends, () => sequenceAllocator(services).next(app._id, scratch))]);
const appendTiming = await timed(sends, async (i) => {
  const messageId = newId('msg');
  const event = await appendEvent(services, {
    appId: app._id,
    conversationId: conversation._id,
    type: 'message.new',
    actorId: 'ann',
    payload: (seq) => ({ message: { ...sampleMessage(messageId), seq, version: seq } }),
  });
  written[i < 0 ? -1 - i : WARM_UP + i] = event;
});
stages.push(['event row (reserve + outbox insert)', appendTiming]);
stages.push(['projections (message row, preview, unhide)', await timed(sends, (i) => applyProjection(services, written[i < 0 ? -1 - i : WARM_UP + i]!))]);
stages.push(['whole send path, in process', await timed(sends, () => sendMessage(services, access, input))]);
stages.push([`whole send path, ${IN_FLIGHT} in flight (writes grouped)`, await timedInFlight(sends, () => sendMessage(services, access, input))]);

// Background: everything above is still unpublished. The relay publishes it, then each consumer
// is started alone and timed until this process goes quiet (under 5 % CPU for 300 ms).
const pending = await services.ports.store.collection<EventDoc>(EVENTS).countDocuments({ published: false });
const running: BackgroundWork[] = [];
async function background(name: string, done: () => Promise<boolean>): Promise<void> {
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  running.push(await startBackgroundWork(services, [name]));
  while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 5));
  const used = process.cpuUsage(cpuBefore);
  stages.push([`${name} (per event)`, { wallUs: ((performance.now() - startedAt) * 1000) / pending, cpuUs: (used.user + used.system) / pending }]);
}
async function quiet(): Promise<boolean> {
  const before = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const used = process.cpuUsage(before);
  return used.user + used.system < 15_000;
}
await background('outbox-relay', async () => (await services.ports.store.collection<EventDoc>(EVENTS).countDocuments({ published: false })) === 0);
for (const name of ['search-indexer', 'audit-chain', 'app-event-log', 'webhook-delivery']) await background(name, quiet);
for (const work of running) await work.stop();

function sampleMessage(id: string) {
  return {
    _id: id, appId: app._id, conversationId: conversation._id, authorId: 'ann', type: 'regular', text: input.text, attachments: [], mentions: [], custom: {},
    parentId: null, quotedId: null, silent: false, shadowed: false, clientMessageId: null, createdAt: Date.now(), editedAt: null, edits: [], deletedAt: null,
    reactionCounts: {}, replyCount: 0, latestReplierIds: [], pinnedAt: null, pinnedBy: null,
  };
}

await stopServices(services);
await rm(dataDir, { recursive: true, force: true });
const mode = cluster ? 'cluster' : 'local';
const rows = stages.map(([name, t]) => `| ${name} | ${t.wallUs.toFixed(0)} | ${t.cpuUs.toFixed(0)} |`).join('\n');
process.stdout.write(`${mode}\n${stages.map(([name, t]) => `${name}: wall ${t.wallUs.toFixed(0)} us, cpu ${t.cpuUs.toFixed(0)} us`).join('\n')}\n`);
await writeSection(
  `send-stages-${mode}`,
  `### Send path by stage (${mode} mode)

\`${cluster ? 'set -a; . /tmp/caas-engines/env; set +a; ' : ''}npx tsx bench/send-stages.ts --sends ${sends}\` — ${new Date().toISOString().slice(0, 10)}

The send path's domain calls, one at a time in one process (no concurrency), ${sends} runs each;
microseconds per run; the whole path once more with ${IN_FLIGHT} sends in flight, as the HTTP
benchmark's connections make them (the store then groups their writes: one transaction per turn
of the event loop locally, one \`insertMany\` per collection on the engines); then the relay
publishes what they wrote and each consumer, started alone, catches up (per event; a consumer's
row ends once the process is quiet, so it includes up to 300 ms of idle). CPU is this process's only.${
  cluster
    ? `

On the engines their own CPU is not in these figures, and the wall time is mostly their round
trips. A consumer's row also holds its Kafka group join, seconds on a broker just started: those
rows are upper bounds, and vary from run to run by several times.`
    : ''
}

| stage | wall µs | CPU µs |
| --- | ---: | ---: |
${rows}
`,
);
