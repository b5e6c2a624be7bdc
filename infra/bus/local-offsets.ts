/**
 * Committed consumer-group offsets for the embedded bus, in the same SQLite file as the log but
 * on their own connection with synchronous=NORMAL: a commit survives a process crash (it is in
 * the WAL) and skips the fsync, because losing one to a power cut only means a redelivery,
 * which at-least-once consumers already handle. The stored value is Kafka's: the next offset
 * the group will read.
 */
import type Database from 'better-sqlite3';
import { openLocalDatabase } from '../local-storage/sqlite.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS bus_offsets (
    consumer_group TEXT NOT NULL,
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    next_offset INTEGER NOT NULL,
    committed_at INTEGER NOT NULL,
    PRIMARY KEY (consumer_group, topic, partition)
  ) WITHOUT ROWID;
`;

export class OffsetStore {
  private readonly db: Database.Database;
  private readonly select: Database.Statement<[string, string, number], { next_offset: number }>;
  private readonly upsert: Database.Statement<[string, string, number, number, number]>;

  constructor(file: string) {
    this.db = openLocalDatabase(file);
    this.db.exec(SCHEMA);
    this.select = this.db.prepare(
      'SELECT next_offset FROM bus_offsets WHERE consumer_group = ? AND topic = ? AND partition = ?',
    );
    this.upsert = this.db.prepare(
      `INSERT INTO bus_offsets (consumer_group, topic, partition, next_offset, committed_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (consumer_group, topic, partition)
       DO UPDATE SET next_offset = excluded.next_offset, committed_at = excluded.committed_at`,
    );
  }

  /** The next offset the group reads from the partition, or null when it never committed one. */
  committed(group: string, topic: string, partition: number): number | null {
    return this.select.get(group, topic, partition)?.next_offset ?? null;
  }

  commit(group: string, topic: string, partition: number, nextOffset: number, now: number): void {
    this.upsert.run(group, topic, partition, nextOffset, now);
  }

  close(): void {
    this.db.close();
  }
}
