import type { Doc, Filter, SortSpec } from './port.ts';
import type { Catalog } from './local-catalog.ts';
import type { LocalDatabase } from './local-database.ts';
import { tableName } from './local-indexes.ts';
import { documentMatcher } from './local-match.ts';
import { sortWindow } from './local-mingo.ts';
import { planQuery, type QueryPlan } from './local-planner.ts';

/**
 * How the embedded store finds, counts and deletes the documents a filter matches, inside a
 * transaction the caller holds. Candidates come from SQL (local-planner.ts); unless the plan is
 * exact, each is re-checked (local-match.ts). When SQL delivers the requested order, reading
 * stops at skip + limit; otherwise mingo sorts the matches. An exact plan needs no document
 * parsed to count or delete, and cuts its window with LIMIT/OFFSET.
 */
export interface Row<T> {
  doc: T;
  /** The stored JSON, to tell whether an update changed anything. */
  json: string;
}

export interface Window {
  sort?: SortSpec | undefined;
  skip?: number | undefined;
  limit?: number | undefined;
}

/** The SELECT a plan runs; shared with explain(). */
export function selectSql(collection: string, plan: QueryPlan, columns = 'doc'): string {
  return `SELECT ${columns} FROM ${tableName(collection)} WHERE ${plan.where} ${plan.orderBy}`.trimEnd();
}

export function selectRows<T extends Doc>(db: LocalDatabase, collection: string, catalog: Catalog, filter: Filter, window: Window): Array<Row<T>> {
  const plan = planQuery(filter, window.sort, catalog);
  const skip = window.skip ?? 0;
  const limit = window.limit || Infinity; // MongoDB: limit 0 means none
  if (plan.exact && plan.sortedInSql) {
    const windowed = Number.isFinite(limit) || skip > 0;
    const sql = windowed ? `${selectSql(collection, plan)} LIMIT ? OFFSET ?` : selectSql(collection, plan);
    const params = windowed ? [...plan.params, Number.isFinite(limit) ? limit : -1, skip] : plan.params;
    const rows = db.statement(sql).pluck().all(...params) as string[];
    return rows.map((json) => ({ doc: JSON.parse(json) as T, json }));
  }
  const rows = db.statement(selectSql(collection, plan)).pluck().iterate(...plan.params) as IterableIterator<string>;
  const matches = documentMatcher(filter);
  const hits: Array<Row<T>> = [];
  let skipped = 0;
  for (const json of rows) {
    const doc = JSON.parse(json) as T;
    if (!matches(doc)) continue;
    if (plan.sortedInSql && skipped < skip) {
      skipped++;
      continue;
    }
    hits.push({ doc, json });
    if (plan.sortedInSql && hits.length >= limit) break; // leaving the loop closes the cursor
  }
  if (plan.sortedInSql) return hits;
  const jsonOf = new Map(hits.map((row) => [row.doc, row.json]));
  const docs = sortWindow(hits.map((row) => row.doc), window.sort ?? {}, skip, limit);
  return docs.map((doc) => ({ doc, json: jsonOf.get(doc)! }));
}

export function countRows(db: LocalDatabase, collection: string, catalog: Catalog, filter: Filter): number {
  const plan = planQuery(filter, undefined, catalog);
  if (plan.exact) return db.statement(selectSql(collection, plan, 'count(*)')).pluck().get(...plan.params) as number;
  return selectRows(db, collection, catalog, filter, {}).length;
}

/** Deletes the matches (the first one with `limit` 1); returns how many. */
export function deleteRows(db: LocalDatabase, collection: string, catalog: Catalog, filter: Filter, limit: 1 | undefined): number {
  const table = tableName(collection);
  const plan = planQuery(filter, undefined, catalog);
  if (plan.exact) {
    const where = limit ? `id IN (${selectSql(collection, plan, 'id')} LIMIT 1)` : plan.where;
    return db.statement(`DELETE FROM ${table} WHERE ${where}`).run(...plan.params).changes;
  }
  const rows = selectRows<Doc>(db, collection, catalog, filter, { limit });
  const remove = db.statement(`DELETE FROM ${table} WHERE id = ?`);
  for (const row of rows) remove.run(row.doc._id);
  return rows.length;
}
