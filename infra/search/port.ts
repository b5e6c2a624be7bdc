/**
 * Search port: a full-text index of documents with filterable fields and external versions.
 * Embedded index (SQLite FTS5) in local mode, Elasticsearch in cluster mode; one contract suite
 * (tests/contract/search.contract.ts). The caller's text is never parsed as query syntax.
 *
 * @example
 *   await search.upsert('messages', [{ id: 'm1', version: 3, text: 'hello world',
 *     fields: { appId: 'a1', conversationId: 'c1', authorId: 'u1', createdAt: 1700000000000 } }]);
 *   const page = await search.query('messages', { text: 'hel', prefix: true,
 *     filter: { appId: 'a1', conversationId: { in: ['c1', 'c2'] } }, limit: 20 });
 */
export type FieldValue = string | number | boolean | null;

export interface SearchDocument {
  id: string;
  /** External version: a write with a version lower than the stored one is ignored. */
  version?: number;
  /** The analysed full-text body. */
  text: string;
  /** Exact-match / range fields, used in filters and returned with hits. */
  fields: Record<string, FieldValue | string[]>;
}

/**
 * Field conditions, all ANDed: equality, any-of, range (gte/lte inclusive, gt/lt exclusive; numbers
 * only), presence. An array field matches when any element does. Null values and empty arrays
 * count as missing, so `{ f: null }` means `{ f: { exists: false } }`.
 */
export type FieldCondition = FieldValue | { in: FieldValue[] } | { gte?: number; lte?: number; gt?: number; lt?: number } | { exists: boolean };
export type SearchFilter = Record<string, FieldCondition>;

export interface SearchQuery {
  /** Plain user text; words are ANDed; accents and case folded; English stemming. */
  text: string;
  /** Treat the last word as a prefix (search-as-you-type). */
  prefix?: boolean;
  filter?: SearchFilter;
  limit?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface SearchHit {
  id: string;
  score: number;
  /** Text with matches wrapped in <mark>…</mark>, trimmed around the first match. */
  highlight: string;
  fields: Record<string, FieldValue | string[]>;
}

export interface SearchPage {
  hits: SearchHit[];
  nextCursor: string | null;
}

/** Every method but ensureIndex/dropIndex throws NOT_FOUND for an index that was never ensured. */
export interface SearchPort {
  readonly name: string;
  /** Idempotent; the embedded index creates tables, Elasticsearch an index (or alias) with mappings. */
  ensureIndex(index: string): Promise<void>;
  upsert(index: string, documents: SearchDocument[]): Promise<void>;
  /** With a version, the delete is ignored when a newer version is stored. */
  delete(index: string, id: string, version?: number): Promise<void>;
  deleteByQuery(index: string, filter: SearchFilter): Promise<number>;
  query(index: string, query: SearchQuery): Promise<SearchPage>;
  /** Makes every write so far visible to queries (Elasticsearch refresh). */
  refresh(index: string): Promise<void>;
  dropIndex(index: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Embedded adapter only: leaves no bytes of deleted documents in its files (see StorePort.purgeErased). */
  purgeErased?(): Promise<void>;
}

export const SEARCH_LIMITS = {
  maxQueryLength: 256,
  maxLimit: 100,
  /** Values in one `{ in: [...] }` condition (e.g. the conversations a user may search). */
  maxFilterValues: 1024,
} as const;
