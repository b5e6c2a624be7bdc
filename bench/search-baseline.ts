import Database from 'better-sqlite3';
import { matchExpression } from '../infra/search/match-expression.ts';
import type { SearchDocument } from '../infra/search/port.ts';
import type { BenchQuery } from './search-corpus.ts';

/**
 * The ceiling for the embedded search index: one plain FTS5 table with the same tokenizer and
 * prefix indexes, written and queried directly with the least SQL that answers the same
 * question (rank the matches in scope, then snippets for one page). No versions, tombstones,
 * field tokens or term table: what the port adds on top is what the comparison measures.
 */
export class RawFts5 {
  private readonly db: Database.Database;
  private readonly insertRow: Database.Statement;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE VIRTUAL TABLE messages USING fts5(text, conversation UNINDEXED, id UNINDEXED, tokenize='porter unicode61 remove_diacritics 2', prefix='2 3')`);
    this.insertRow = this.db.prepare('INSERT INTO messages (text, conversation, id) VALUES (?, ?, ?)');
  }

  insert(documents: SearchDocument[]): void {
    this.db.transaction(() => {
      for (const document of documents) this.insertRow.run(document.text, document.fields.conversationId, document.id);
    })();
  }

  query(query: BenchQuery, limit: number): Array<{ id: string; snippet: string }> {
    const match = matchExpression('bench', query.text, true);
    const scope = query.conversations === null ? '' : ' AND conversation IN (SELECT value FROM json_each(?))';
    const params: unknown[] = query.conversations === null ? [match, limit] : [match, JSON.stringify(query.conversations), limit];
    const page = this.db.prepare(`SELECT rowid FROM messages WHERE messages MATCH ?${scope} ORDER BY rank LIMIT ?`).pluck().all(...params) as number[];
    if (page.length === 0) return [];
    return this.db
      .prepare(`SELECT id, snippet(messages, 0, '<mark>', '</mark>', '…', 24) AS snippet FROM messages WHERE messages MATCH ? AND rowid IN (SELECT value FROM json_each(?))`)
      .all(match, JSON.stringify(page)) as Array<{ id: string; snippet: string }>;
  }

  close(): void {
    this.db.close();
  }
}
