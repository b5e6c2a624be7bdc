/**
 * The ceiling for the history benchmark: a bare Hono handler on @hono/node-server reading a page
 * straight from a plain SQLite table (one JSON document per message, primary key (conversation,
 * sequence)), holding the same number of messages with the same texts, on the same route shape.
 *
 *   node --import tsx bench/servers/sqlite-history.ts <messages>
 */
import { serve } from '@hono/node-server';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messageBatch } from '../search-corpus.ts';

const total = Number(process.argv[2] ?? 1_000_000);
const conversationId = 'conv_bench';
const db = new Database(join(mkdtempSync(join(tmpdir(), 'sqlite-history-')), 'messages.db'));
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE messages (conversationId TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (conversationId, seq))');
const insert = db.prepare('INSERT INTO messages VALUES (?, ?, ?)');
const started = Date.now() - total * 1_000;
db.transaction(() => {
  for (let from = 0; from < total; from += 1_000) {
    for (const [i, message] of messageBatch(from, Math.min(1_000, total - from)).entries()) {
      const seq = from + i + 1;
      const doc = { id: `msg_${seq}`, conversationId, seq, authorId: `member${seq % 10}`, type: 'regular', text: message.text, attachments: [], mentions: [], custom: {}, parentId: null, quotedId: null, createdAt: started + seq * 1_000 };
      insert.run(conversationId, seq, JSON.stringify(doc));
    }
  }
})();

const newest = db.prepare('SELECT doc FROM messages WHERE conversationId = ? ORDER BY seq DESC LIMIT ?').pluck();
const before = db.prepare('SELECT doc FROM messages WHERE conversationId = ? AND seq < ? ORDER BY seq DESC LIMIT ?').pluck();
const app = new Hono();
app.get('/v1/conversations/:id/messages', (c) => {
  const limit = Number(c.req.query('limit') ?? 50);
  const cursor = c.req.query('before');
  const rows = (cursor === undefined ? newest.all(c.req.param('id'), limit + 1) : before.all(c.req.param('id'), Number(cursor), limit + 1)) as string[];
  const page = rows.slice(0, limit).map((row) => JSON.parse(row) as { seq: number }).reverse();
  return c.json({ messages: page, prevCursor: rows.length > limit ? (page[0]?.seq ?? null) : null, nextCursor: null });
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, path: `/v1/conversations/${conversationId}/messages`, headers: {}, newestSeq: total })}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
