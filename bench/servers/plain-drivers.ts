/**
 * The engine ceiling for the send benchmark in cluster mode: a bare Hono handler on the same
 * engines that writes the same documents with the plain drivers, the least a send can do there.
 * Per request: the event row (behind the same unique (conversationId, seq) index), then the
 * message row and the conversation's preview side by side, then 201. The Kafka produce (idempotent,
 * acks=all, like CaaS's) is batched off the request path, as CaaS's outbox relay does. Sequences come
 * from an in-process counter: no allocator, no auth, no checks, no consumers — what CaaS adds on
 * top of this is what the comparison measures. The previews of one conversation are written one at
 * a time, the newest waiting next, as CaaS's are (runtime/coalescer.ts): on FerretDB with its
 * update guard (infra/engines/lib/ferretdb-update-guard.sql) 64 concurrent updates of one row are
 * refused but one each round, and asked again as CaaS's store adapter does (without the guard the
 * plain driver's overtaken updates were lost).
 *
 *   MONGO_URL=… KAFKA_BROKERS=… node --import tsx bench/servers/plain-drivers.ts <one|many> <senders>
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Kafka, Partitioners, logLevel, type Message } from 'kafkajs';
import { MongoClient } from 'mongodb';
import type { AddressInfo } from 'node:net';
import { retryUpdateConflicts } from '../../infra/store/mongodb-revisions.ts';
import { Coalescer } from '../../runtime/coalescer.ts';
import type { SendTarget } from '../load.ts';

const [shape = 'one', count = '64'] = process.argv.slice(2);
const run = `ceiling${Date.now().toString(36)}`;
const mongo = new MongoClient(process.env.MONGO_URL!, { maxPoolSize: 64 });
const db = mongo.db(process.env.MONGO_DB ?? 'caas');
type Row = { _id: string; [field: string]: unknown };
const events = db.collection<Row>(`${run}_events`);
const messages = db.collection<Row>(`${run}_messages`);
const conversations = db.collection<{ _id: string; lastMessage?: unknown }>(`${run}_conversations`);
interface Preview {
  id: string;
  seq: number;
  text: string;
  createdAt: number;
}
const previews = new Coalescer<Preview>(
  (conversationId, lastMessage) => retryUpdateConflicts(() => conversations.updateOne({ _id: conversationId }, { $set: { lastMessage } })).then(() => undefined),
  (queued, offered) => (offered.seq > queued.seq ? offered : queued),
);
await events.createIndex({ conversationId: 1, seq: 1 }, { unique: true });

const kafka = new Kafka({ clientId: run, brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: run, numPartitions: Number(process.env.KAFKA_PARTITIONS ?? 6) }] });
await admin.disconnect();
const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();

// One send in flight at a time, each taking everything queued since the last (CaaS's relay batches the same way).
let queued: Message[] = [];
let sending: Promise<void> | null = null;
function produce(message: Message): void {
  queued.push(message);
  sending ??= (async () => {
    while (queued.length > 0) {
      const batch = queued;
      queued = [];
      await producer.send({ topic: run, messages: batch, acks: -1 });
    }
  })().finally(() => (sending = null));
}

const conversationCount = shape === 'one' ? 1 : Number(count);
const conversationIds = Array.from({ length: conversationCount }, (_, i) => `conv${i}`);
await conversations.insertMany(conversationIds.map((_id) => ({ _id, lastMessage: null })));
const sequences = new Map<string, number>();

const app = new Hono();
app.post('/v1/conversations/:id/messages', async (c) => {
  const body = await c.req.json<{ text: string }>();
  const conversationId = c.req.param('id');
  const seq = (sequences.get(conversationId) ?? 0) + 1;
  sequences.set(conversationId, seq);
  const now = Date.now();
  const message = { _id: `${run}-${conversationId}-${seq}`, conversationId, seq, authorId: 'sender', text: body.text, createdAt: now };
  await events.insertOne({ _id: `${conversationId}:${seq}`, conversationId, seq, type: 'message.new', at: now, payload: { message }, published: false });
  await Promise.all([
    messages.insertOne(message),
    previews.run(conversationId, { id: message._id, seq, text: body.text, createdAt: now }),
  ]);
  produce({ key: conversationId, value: JSON.stringify({ conversationId, seq, type: 'message.new', payload: { message } }) });
  return c.json(message, 201);
});

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => {
  const targets: SendTarget[] = Array.from({ length: Number(count) }, (_, i) => ({
    path: `/v1/conversations/${conversationIds[i % conversationCount]}/messages`,
    headers: {},
  }));
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, targets })}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
