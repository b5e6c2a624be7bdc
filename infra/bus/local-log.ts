/**
 * The embedded bus's durable log: topics, partitions and messages in one SQLite file (WAL).
 * This connection runs with synchronous=NORMAL, the same durability as the embedded store: an
 * append that returned survives a process crash (it is in the WAL); a power loss may drop the last
 * appends, as it may drop the store's last commits (whose outbox rows the relay then publishes
 * again). FULL would fsync on every publish, on the event loop, which costs the send path more
 * than everything else it does. Each partition keeps its own offset counter, so offsets are
 * never reused, even after retention trimmed every message.
 */
import type Database from 'better-sqlite3';
import { openLocalDatabase, purgeWal } from '../local-storage/sqlite.ts';

export interface StoredMessage {
  offset: number;
  key: string;
  value: string;
  headers: Record<string, string>;
  timestamp: number;
}

export interface Append {
  partition: number;
  key: string;
  value: string;
  headers: Record<string, string> | undefined;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS bus_topics (
    name TEXT PRIMARY KEY,
    partitions INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS bus_partitions (
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    start_offset INTEGER NOT NULL DEFAULT 0,
    end_offset INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (topic, partition)
  ) WITHOUT ROWID;
  -- A rowid table (not WITHOUT ROWID): values may be up to ~1 MB.
  CREATE TABLE IF NOT EXISTS bus_messages (
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    headers TEXT,
    timestamp INTEGER NOT NULL,
    UNIQUE (topic, partition, offset)
  );
`;

export class SqliteLog {
  private readonly db: Database.Database;
  private readonly statements: ReturnType<typeof prepareStatements>;

  constructor(file: string) {
    // Another process may hold the write lock briefly (a second publisher on the same file).
    this.db = openLocalDatabase(file);
    this.db.exec(SCHEMA);
    this.statements = prepareStatements(this.db);
  }

  /** Partition count of a topic, or null when it does not exist. */
  partitionsOf(topic: string): number | null {
    return this.statements.topic.get(topic)?.partitions ?? null;
  }

  /** Creates the topic unless it exists (an existing topic keeps its partition count); returns the count. */
  createTopic(topic: string, partitions: number, now: number): number {
    return this.db.transaction(() => {
      this.statements.insertTopic.run(topic, partitions, now);
      const actual = this.partitionsOf(topic) ?? partitions;
      for (let partition = 0; partition < actual; partition += 1) this.statements.insertPartition.run(topic, partition);
      return actual;
    }).immediate();
  }

  /** Appends in one transaction: all messages or none. */
  /** Replaces the value of every retained message of `topic` for which `rewrite` returns a string; returns how many. */
  rewrite(topic: string, rewrite: (message: { key: string; value: string }) => string | null): number {
    return this.db.transaction(() => {
      const rows = this.db.prepare('SELECT rowid, key, value FROM bus_messages WHERE topic = ?').all(topic) as Array<{ rowid: number; key: string; value: string }>;
      const update = this.db.prepare('UPDATE bus_messages SET value = ? WHERE rowid = ?');
      let changed = 0;
      for (const row of rows) {
        const next = rewrite(row);
        if (next !== null && next !== row.value) {
          update.run(next, row.rowid);
          changed += 1;
        }
      }
      return changed;
    }).immediate();
  }

  purgeWal(): void {
    purgeWal(this.db);
  }

  append(topic: string, messages: Append[], timestamp: number): void {
    this.db.transaction(() => {
      const ends = new Map<number, number>();
      for (const message of messages) {
        const offset = ends.get(message.partition) ?? this.bounds(topic, message.partition).end;
        this.statements.insertMessage.run(
          topic,
          message.partition,
          offset,
          message.key,
          message.value,
          message.headers && Object.keys(message.headers).length > 0 ? JSON.stringify(message.headers) : null,
          timestamp,
        );
        ends.set(message.partition, offset + 1);
      }
      for (const [partition, end] of ends) this.statements.setEnd.run(end, topic, partition);
    }).immediate();
  }

  read(topic: string, partition: number, fromOffset: number, limit: number): StoredMessage[] {
    return this.statements.read.all(topic, partition, fromOffset, limit).map((row) => ({
      offset: row.offset,
      key: row.key,
      value: row.value,
      headers: row.headers === null ? {} : (JSON.parse(row.headers) as Record<string, string>),
      timestamp: row.timestamp,
    }));
  }

  /** `start`: oldest offset still retained; `end`: the offset the next message will get. */
  bounds(topic: string, partition: number): { start: number; end: number } {
    const row = this.statements.bounds.get(topic, partition);
    return { start: row?.start_offset ?? 0, end: row?.end_offset ?? 0 };
  }

  /**
   * Deletes messages appended before `cutoff` (epoch ms) from every partition; returns how many.
   * Walks each partition from its oldest message, so the cost follows what is deleted.
   */
  trimOlderThan(cutoff: number): number {
    return this.db.transaction(() => {
      let deleted = 0;
      for (const { topic, partition, end_offset: end } of this.statements.allPartitions.all()) {
        const keepFrom = this.statements.firstRetained.get(topic, partition, cutoff)?.offset ?? end;
        deleted += this.statements.trim.run(topic, partition, keepFrom).changes;
        this.statements.setStart.run(keepFrom, topic, partition);
      }
      return deleted;
    }).immediate();
  }

  /** Changes whenever another connection (or process) commits to the file; cheap to poll. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  ping(): void {
    this.db.prepare('SELECT 1').get();
  }

  close(): void {
    this.db.close();
  }
}

function prepareStatements(db: Database.Database) {
  return {
    topic: db.prepare<[string], { partitions: number }>('SELECT partitions FROM bus_topics WHERE name = ?'),
    insertTopic: db.prepare('INSERT OR IGNORE INTO bus_topics (name, partitions, created_at) VALUES (?, ?, ?)'),
    insertPartition: db.prepare('INSERT OR IGNORE INTO bus_partitions (topic, partition) VALUES (?, ?)'),
    bounds: db.prepare<[string, number], { start_offset: number; end_offset: number }>(
      'SELECT start_offset, end_offset FROM bus_partitions WHERE topic = ? AND partition = ?',
    ),
    allPartitions: db.prepare<[], { topic: string; partition: number; end_offset: number }>(
      'SELECT topic, partition, end_offset FROM bus_partitions',
    ),
    setEnd: db.prepare('UPDATE bus_partitions SET end_offset = ? WHERE topic = ? AND partition = ?'),
    setStart: db.prepare('UPDATE bus_partitions SET start_offset = ? WHERE topic = ? AND partition = ?'),
    insertMessage: db.prepare(
      'INSERT INTO bus_messages (topic, partition, offset, key, value, headers, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    read: db.prepare<
      [string, number, number, number],
      { offset: number; key: string; value: string; headers: string | null; timestamp: number }
    >(
      `SELECT offset, key, value, headers, timestamp FROM bus_messages
       WHERE topic = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?`,
    ),
    firstRetained: db.prepare<[string, number, number], { offset: number }>(
      `SELECT offset FROM bus_messages WHERE topic = ? AND partition = ? AND timestamp >= ?
       ORDER BY offset LIMIT 1`,
    ),
    trim: db.prepare('DELETE FROM bus_messages WHERE topic = ? AND partition = ? AND offset < ?'),
  };
}
