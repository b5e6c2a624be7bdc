/**
 * What an outbox costs the MongoDB-wire engine, per event, for the ways a relay could record that an
 * event went out: the engine CPU (every process of the engine, PostgreSQL's backends included) per
 * event beside plain inserts of the same events in the same run.
 *
 * - insert only (baseline): the event rows, ten per `insertMany`, as the send path's insert batcher writes them;
 * - mark (what workers/outbox-relay.ts does): the rows carry `published: false`, and each run of ten
 *   is marked by one `updateMany` naming its conversation, `published: false` and its sequence range;
 * - outbox row, deleted: beside each event row, a pending row carrying the encoded event in a
 *   collection of its own, deleted by one `deleteMany` per run once published;
 * - the same, plus one upsert per run of a per-conversation cursor (the last sequence published),
 *   which a relay that deletes its pending rows needs to tell a gap from a published event.
 *
 * Events are shaped as the store holds a `message.new` event (the message with its thirty fields,
 * its text sealed). Sixteen conversations write at once; each marks or deletes the run before the
 * one it just wrote, so about twenty events of a conversation are pending when a run is marked, as
 * in a relay keeping up.
 *
 *   set -a; . /tmp/caas-engines/env; set +a; npx tsx bench/outbox-writes.ts [--events 3200] [--rounds 3]
 */
import { parseArgs } from 'node:util';
import { MongoClient, type Collection, type Db } from 'mongodb';
import { percentile } from './percentile.ts';
import { processGroupCpuMicros, startedEngines } from './process-cpu.ts';
import { writeSection } from './report.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '3200' }, rounds: { type: 'string', default: '3' } } });
const CONVERSATIONS = 16;
const RUN = 10;
const perConversation = Math.max(2 * RUN, Math.floor(Number(values.events) / CONVERSATIONS / RUN) * RUN);
const rounds = Math.max(1, Number(values.rounds));

const mongoUrl = process.env.MONGO_URL;
const mongodb = (await startedEngines()).find((engine) => engine.name === 'mongodb');
if (!mongoUrl || !mongodb) throw new Error('needs MONGO_URL and a mongodb engine in CAAS_ENGINES_JSON (set -a; . /tmp/caas-engines/env; set +a)');
const enginePid = mongodb.pid;

interface EventRow {
  _id: string;
  conversationId: string;
  seq: number;
  [key: string]: unknown;
}

function eventRow(conversationId: string, seq: number): EventRow {
  const at = Date.now();
  const message = {
    _id: `msg_${conversationId}_${seq}`, appId: 'app_01m99wdppxjvh6tcz0gg02mnh1', conversationId, authorId: 'sender16', type: 'regular',
    text: 'e1.HUrce_UD4W0U.e44L5mFNnbNtgnnWvU2vPIuoqD0oCWx3EJ6Bj-JEzmw5fZbLhfu8YIwAlZCkNLWjnz_Ktlyu_Qtu',
    attachments: [], mentions: [], custom: {}, parentId: null, quotedId: null, silent: false, shadowed: false, clientMessageId: null,
    createdAt: at, editedAt: null, edits: [], deletedAt: null, reactionCounts: {}, replyCount: 0, latestReplierIds: [],
    pinnedAt: null, pinnedBy: null, expiresAt: null, seq, version: seq,
  };
  const _id = `${conversationId}:${String(seq).padStart(12, '0')}`;
  return { _id, appId: message.appId, conversationId, type: 'message.new', actorId: 'sender16', payload: { message }, seq, at, published: false, dedupeKey: _id };
}

interface Way {
  name: string;
  /** After a conversation's next run was written: what this way does for the run before it, which starts at `previous`. */
  afterRun?: (db: Db, events: Collection<EventRow>, conversationId: string, previous: number) => Promise<unknown>;
  /** Beside each run of event rows. */
  beside?: (db: Db, rows: EventRow[]) => Promise<unknown>;
}

const pendingRows = (db: Db) => db.collection<{ _id: string; conversationId: string; seq: number; at: number; record: string }>('outbox');
/** The outbox design's pending rows: each event encoded as the bus would carry it. */
const writePendingRows = (db: Db, rows: EventRow[]) =>
  pendingRows(db).insertMany(rows.map((row) => ({ _id: row._id, conversationId: row.conversationId, seq: row.seq, at: Date.now(), record: JSON.stringify(row) })));
const range = (first: number) => ({ $gte: first, $lte: first + RUN - 1 });

const WAYS: Way[] = [
  { name: 'insert only (baseline)' },
  {
    name: 'mark published (the relay today)',
    afterRun: (_db, events, conversationId, previous) =>
      events.updateMany({ conversationId, published: false, seq: range(previous) }, { $set: { published: true } }),
  },
  {
    name: 'outbox row, deleted',
    beside: writePendingRows,
    afterRun: (db, _events, conversationId, previous) => pendingRows(db).deleteMany({ conversationId, seq: range(previous) }),
  },
  {
    name: 'outbox row, deleted, cursor upserted',
    beside: writePendingRows,
    afterRun: async (db, _events, conversationId, previous) => {
      await pendingRows(db).deleteMany({ conversationId, seq: range(previous) });
      await db.collection<{ _id: string; seq: number }>('outbox_cursors').updateOne({ _id: conversationId }, { $set: { seq: previous + RUN - 1 } }, { upsert: true });
    },
  },
];

interface Measured {
  cpuUsPerEvent: number;
  wallUsPerEvent: number;
}

async function measure(client: MongoClient, way: Way, round: number): Promise<Measured> {
  const db = client.db(`outbox_writes_${round}_${WAYS.indexOf(way)}`);
  await db.dropDatabase();
  const events = db.collection<EventRow>('events');
  // The event collection's indexes as functions/events/events.ts declares them.
  await events.createIndex({ conversationId: 1, seq: 1 }, { unique: true });
  await events.createIndex({ published: 1, at: 1 });
  await events.createIndex({ dedupeKey: 1 }, { unique: true });
  await pendingRows(db).createIndex({ conversationId: 1, seq: 1 }, { unique: true });
  const writeConversation = async (c: number) => {
    const conversationId = `conv${c}`;
    for (let first = 1; first <= perConversation; first += RUN) {
      const rows = Array.from({ length: RUN }, (_, i) => eventRow(conversationId, first + i));
      await Promise.all([way.beside?.(db, rows), events.insertMany(rows)]);
      if (first > RUN) await way.afterRun?.(db, events, conversationId, first - RUN);
    }
  };
  const cpuBefore = await processGroupCpuMicros([enginePid]);
  const started = performance.now();
  await Promise.all(Array.from({ length: CONVERSATIONS }, (_, c) => writeConversation(c)));
  const wallUs = (performance.now() - started) * 1000;
  const cpuUs = (await processGroupCpuMicros([enginePid])) - cpuBefore;
  const count = CONVERSATIONS * perConversation;
  if ((await events.countDocuments({})) !== count) throw new Error(`${way.name}: expected ${count} event rows`);
  await db.dropDatabase();
  return { cpuUsPerEvent: cpuUs / count, wallUsPerEvent: wallUs / count };
}

const client = new MongoClient(mongoUrl);
await client.connect();
const results = new Map<Way, Measured[]>(WAYS.map((way) => [way, []]));
try {
  for (let round = 0; round < rounds; round++) {
    for (const way of WAYS) results.get(way)!.push(await measure(client, way, round));
  }
} finally {
  await client.close();
}

const median = (numbers: number[]) => percentile([...numbers].sort((a, b) => a - b), 0.5);
const baseline = median(results.get(WAYS[0]!)!.map((run) => run.cpuUsPerEvent));
const rows = WAYS.map((way) => {
  const runs = results.get(way)!;
  const cpu = median(runs.map((run) => run.cpuUsPerEvent));
  const wall = median(runs.map((run) => run.wallUsPerEvent));
  const line = `| ${way.name} | ${Math.round(cpu)} | ${(cpu / baseline).toFixed(2)}× | +${Math.round(cpu - baseline)} | ${Math.round(wall)} |`;
  process.stdout.write(`${way.name}: ${Math.round(cpu)} µs engine CPU per event (${(cpu / baseline).toFixed(2)}× insert only), ${Math.round(wall)} µs wall\n`);
  return line;
});

await writeSection(
  'outbox-writes',
  `## What recording "published" costs the engine (cluster mode)

\`set -a; . /tmp/caas-engines/env; set +a; npx tsx bench/outbox-writes.ts --events ${CONVERSATIONS * perConversation} --rounds ${rounds}\` — ${new Date().toISOString().slice(0, 10)}, on ${mongodb.version}

${CONVERSATIONS * perConversation} \`message.new\` event rows (as the store holds them) written by ${CONVERSATIONS} conversations at once,
${RUN} per \`insertMany\`, with the plain driver; each way also records, one run of ${RUN} at a time, that the
run before was published. Engine CPU is every process of the MongoDB-wire engine (FerretDB and
PostgreSQL's backends), per event; the median of ${rounds} rounds, alternating. The baseline is the
inserts alone, in the same run: "extra" is what recording costs on top.

| way | engine CPU µs per event | × insert only | extra µs | wall µs per event |
| --- | ---: | ---: | ---: | ---: |
${rows.join('\n')}

FerretDB v1 updates a document by reading it, applying the operator in Go and writing the whole
document back with one \`UPDATE\` per document (and, on PostgreSQL, a new row version in every
index); it deletes a run's documents with one \`DELETE\`. Marking is what the relay does per event
today, and it is CaaS's cost that the plain-driver ceiling of the send benchmark does not pay.`,
);
