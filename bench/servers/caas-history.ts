/**
 * CaaS for the history benchmark (local mode, as `npm start` runs the router): one group
 * conversation of ten members holding `<messages>` messages. Each member sends one message through
 * the API; the rest are copies of those rows with their own id, sequence, time and text, written
 * through the store port in batches (sealed at rest under their author's data key, as the send
 * path writes them): sending a million messages through the API would take most of an hour here.
 * Prints the URL, the history path and a member's credentials. `local` ignores engine URLs in the
 * environment; `cluster` runs on them, in a namespace of its own.
 *
 *   node --import tsx bench/servers/caas-history.ts <messages> <local|cluster>
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../functions/apps/apps.ts';
import { createConversation } from '../../functions/conversations/conversation-lifecycle.ts';
import { domain } from '../../functions/domain.ts';
import { EVENTS, eventId, type EventDoc } from '../../functions/events/events.ts';
import { sequenceAllocator } from '../../functions/events/sequence-allocator.ts';
import { MESSAGES, messageSeqBlock, type MessageDoc } from '../../functions/messages/messages.ts';
import { upsertUser } from '../../functions/users/users.ts';
import { functions } from '../../routes.ts';
import { mintUserToken } from '../../runtime/auth/user-tokens.ts';
import { loadConfig } from '../../runtime/config.ts';
import { createRouter } from '../../runtime/http/create-router.ts';
import { serveRouter } from '../../runtime/http/serve.ts';
import { newId, newSecret } from '../../runtime/ids.ts';
import { startPreparedServices } from '../../runtime/platform.ts';
import { messageBatch } from '../search-corpus.ts';
import { BENCH_BUDGETS } from './bench-budgets.ts';

const total = Number(process.argv[2] ?? 1_000_000);
const cluster = process.argv[3] === 'cluster';
const ENGINE_SETTINGS = /^(MONGO_URL|REDIS_URL|KAFKA_BROKERS|ELASTICSEARCH_URL|S3_.*|KMS_.*|CAAS_ENGINES_JSON)$/;
const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => cluster || !ENGINE_SETTINGS.test(name)));
const members = Array.from({ length: 10 }, (_, i) => `member${i}`);
const config = loadConfig({
  ...environment,
  PORT: '0',
  HOST: '127.0.0.1',
  CAAS_DATA_DIR: await mkdtemp(join(tmpdir(), 'caas-history-')),
  CAAS_LOG_LEVEL: 'silent',
  ...BENCH_BUDGETS,
  CAAS_NAMESPACE: `history${newSecret(6).toLowerCase().replace(/[^a-z0-9]/g, '')}`,
});
const services = await startPreparedServices(domain, config);
const server = await serveRouter(createRouter({ services, functions }), services);
const url = `http://127.0.0.1:${server.port}`;

const { app } = await createApp(services, { name: 'bench' });
for (const userId of members) await upsertUser(services, app._id, userId, {});
const { conversation } = await createConversation(services, app._id, members[0]!, { type: 'group', memberIds: members.slice(1) });
const path = `/v1/conversations/${conversation._id}/messages`;
const tokens = new Map<string, string>();
for (const userId of members) tokens.set(userId, (await mintUserToken({ appId: app._id, userId, tokenVersion: 0, ttlSec: 3600, now: Date.now() }, app.signingSecret)).token);

const templates: MessageDoc[] = [];
const messages = services.ports.store.collection<MessageDoc>(MESSAGES);
for (const userId of members) {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(userId)}` }, body: JSON.stringify({ text: `hello from ${userId}` }) });
  if (response.status !== 201) throw new Error(`seeding: a send answered ${response.status}`);
  const { id } = (await response.json()) as { id: string };
  templates.push((await messages.findOne({ _id: id }))!);
}

const firstSeq = templates.at(-1)!.seq + 1;
const started = Date.now() - total * 1_000;
for (let from = 0; from < total - templates.length; from += 1_000) {
  const count = Math.min(1_000, total - templates.length - from);
  const texts = messageBatch(from, count);
  await messages.insertMany(
    texts.map((text, i) => {
      const seq = firstSeq + from + i;
      const createdAt = started + (from + i) * 1_000;
      return { ...templates[(from + i) % templates.length]!, _id: newId('msg', createdAt), seq, seqBlock: messageSeqBlock(conversation._id, seq), version: seq, text: text.text, createdAt };
    }),
  );
}

// The copies have no events of their own. One event at the newest sequence (a copy of the last
// send's, already published) makes the conversation's sequence reach past them, as their sends would
// have: a store that pages by seq windows (FerretDB) starts the newest page there.
const newestSeq = firstSeq + total - templates.length - 1;
const events = services.ports.store.collection<EventDoc>(EVENTS);
const lastEvent = (await events.findOne({ _id: eventId(conversation._id, templates.at(-1)!.seq) }))!;
await events.insertOne({ ...lastEvent, _id: eventId(conversation._id, newestSeq), seq: newestSeq, dedupeKey: eventId(conversation._id, newestSeq), published: true });
await sequenceAllocator(services).nextAbove(app._id, conversation._id);

process.stdout.write(`${JSON.stringify({ url, path, headers: { authorization: `Bearer ${tokens.get(members[1]!)}` }, newestSeq })}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
