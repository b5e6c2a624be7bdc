/**
 * Embedded store micro-benchmark: ops/s of the calls the chat send path makes, each from one
 * caller awaiting the previous call, then the send path's mix of calls from 64 concurrent senders
 * (where group commit applies), on a fresh SQLite file with the indexes the chat collections declare.
 *
 *   npx tsx bench/store.ts [--seconds 1] [--rounds 3] [--docs 100000] [--only find]
 *
 * Each operation runs `--rounds` times for `--seconds` after a short warm-up and the best round is
 * printed: on a shared machine the best round is the one least disturbed by other load. CPU time
 * per operation (user + system) is printed beside it as the figure load disturbs least.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLocalStore } from '../infra/store/local.ts';
import type { Doc } from '../infra/store/port.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '1' }, rounds: { type: 'string', default: '3' }, docs: { type: 'string', default: '100000' }, only: { type: 'string' } } });
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const historyDocs = Number(values.docs);
const CONVERSATIONS = 100;

const dataDir = mkdtempSync(join(tmpdir(), 'caas-bench-store-'));
const store = await createLocalStore({ dataDir });
await store.ensureIndexes('messages', [{ keys: { conversationId: 1, seq: 1 }, unique: true }, { keys: { appId: 1, createdAt: 1 } }]);
await store.ensureIndexes('history', [{ keys: { conversationId: 1, seq: 1 }, unique: true }]);
const messages = store.collection('messages');
const history = store.collection('history');
const counters = store.collection('counters');

const message = (id: string, conversation: number, seq: number): Doc => ({
  _id: id,
  appId: 'app1',
  conversationId: `c${conversation}`,
  seq,
  authorId: `u${seq % 50}`,
  text: 'hello from the store benchmark, a message of ordinary length',
  createdAt: 1_700_000_000_000 + seq,
  version: 0,
});

// 100k messages spread over 100 conversations: 1000 each.
for (let start = 0; start < historyDocs; start += 5000) {
  const batch = Array.from({ length: Math.min(5000, historyDocs - start) }, (_, i) => {
    const n = start + i;
    return message(`h${n}`, n % CONVERSATIONS, Math.floor(n / CONVERSATIONS));
  });
  await history.insertMany(batch);
}
const perConversation = Math.floor(historyDocs / CONVERSATIONS);

/**
 * Runs `op` repeatedly from `callers` concurrent loops (each awaits its previous call) and prints
 * the best round; `--only` (a label substring) skips the others, e.g. to profile one.
 */
async function measure(label: string, op: (i: number) => Promise<unknown>, callers = 1): Promise<void> {
  if (values.only && !label.includes(values.only)) return;
  let i = 0;
  const loop = async (until: number) => {
    let count = 0;
    while (performance.now() < until) {
      for (let k = 0; k < 20; k++) await op(i++);
      count += 20;
    }
    return count;
  };
  const run = async (until: number) => (await Promise.all(Array.from({ length: callers }, () => loop(until)))).reduce((a, b) => a + b, 0);
  await run(performance.now() + Math.min(500, seconds * 250)); // warm-up: JIT, SQLite page cache
  let opsPerSecond = 0;
  let cpuMicros = Infinity;
  for (let round = 0; round < rounds; round++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const count = await run(started + seconds * 1000);
    opsPerSecond = Math.max(opsPerSecond, count / ((performance.now() - started) / 1000));
    const cpu = process.cpuUsage(cpuBefore);
    cpuMicros = Math.min(cpuMicros, (cpu.user + cpu.system) / count);
  }
  process.stdout.write(`${label.padEnd(52)} ${Math.round(opsPerSecond).toString().padStart(8)} ops/s  ${cpuMicros.toFixed(1).padStart(7)} µs CPU/op\n`);
}

let inserted = 1000; // seeded, so every operation has rows to work on whatever `--only` selects
await messages.insertMany(Array.from({ length: inserted }, (_, n) => message(`m${n}`, n % CONVERSATIONS, n)));
await measure('insertOne (2 indexes)', async () => messages.insertOne(message(`m${inserted++}`, inserted % CONVERSATIONS, inserted)));
await measure('findOne by _id', async (i) => messages.findOne({ _id: `m${i % inserted}` }));
await measure('find {conv, seq $lt} sort seq -1 limit 50 (100k)', async (i) => {
  const found = await history.find(
    { conversationId: `c${i % CONVERSATIONS}`, seq: { $lt: 100 + (i % (perConversation - 100)) } },
    { sort: { seq: -1 }, limit: 50 },
  );
  if (found.length !== 50) throw new Error(`expected 50 documents, got ${found.length}`);
});
await measure('findOneAndUpdate $inc (upsert counter)', async (i) => counters.findOneAndUpdate({ _id: `k${i % 100}` }, { $inc: { seq: 1 } }, { upsert: true }));
await measure('updateOne {_id, version $lt} $set', async (i) =>
  messages.updateOne({ _id: `m${i % inserted}`, version: { $lt: i + 1 } }, { $set: { version: i + 1, text: `edited ${i}` } }),
);
await measure('countDocuments {conv, seq range} (~20 matches)', async (i) => {
  const from = i % (perConversation - 20);
  return history.countDocuments({ conversationId: `c${i % CONVERSATIONS}`, seq: { $gte: from, $lt: from + 20 } });
});

// The send path's store calls for one message (membership, sequence, outbox event, message row,
// conversation preview, event published), from 64 concurrent senders: one op here is one message.
const members = store.collection('members');
const conversations = store.collection('conversations');
const events = store.collection('events');
const sentMessages = store.collection('sent');
await store.ensureIndexes('sent', [{ keys: { conversationId: 1, seq: 1 }, unique: true }, { keys: { appId: 1, createdAt: 1 } }]);
await store.ensureIndexes('events', [{ keys: { conversationId: 1, seq: 1 }, unique: true }, { keys: { published: 1, at: 1 } }]);
await members.insertMany(Array.from({ length: CONVERSATIONS }, (_, n) => ({ _id: `c${n}:u1`, conversationId: `c${n}`, userId: 'u1', role: 'member' })));
await conversations.insertMany(Array.from({ length: CONVERSATIONS }, (_, n) => ({ _id: `c${n}`, appId: 'app1', lastActivityAt: 0 })));
let sent = 0;
await measure('send path: 6 store calls per message, 64 senders', async (i) => {
  const conversationId = `c${i % CONVERSATIONS}`;
  const id = `s${sent++}`;
  await members.findOne({ _id: `${conversationId}:u1` });
  const counter = await counters.findOneAndUpdate({ _id: `seq:${conversationId}` }, { $inc: { seq: 1 } }, { upsert: true });
  const seq = counter!.seq as number;
  await events.insertOne({ _id: `e${id}`, conversationId, seq, published: false, at: Date.now(), payload: { messageId: id } });
  await sentMessages.insertOne({ ...message(id, 0, seq), conversationId });
  await conversations.updateOne({ _id: conversationId, lastActivityAt: { $lte: Date.now() } }, { $set: { lastActivityAt: Date.now(), lastMessage: { id, seq, text: 'hello' } } });
  await events.updateOne({ _id: `e${id}` }, { $set: { published: true } });
}, 64);

await store.close();
rmSync(dataDir, { recursive: true, force: true });
