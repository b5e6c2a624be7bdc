import { MongoBulkWriteError, MongoServerError, type Db } from 'mongodb';
import { retryOnConflict } from '../resilience.ts';
import type { Update } from './port.ts';

/**
 * FerretDB v1 reads a document, applies an update in Go and writes the whole result back, so two
 * updates of one document at once lost one of them. On PostgreSQL, infra/engines/lib/
 * ferretdb-update-guard.sql gives every document a revision, `_rev`, and refuses a write computed
 * from an older one (SQLSTATE 40001): nothing is changed, and asking again reads the document
 * afresh. Here: which errors are those refusals, the retry, and hiding `_rev` from what is read.
 * On a server without the guard nothing is refused and no `_rev` exists: all of it is harmless.
 */
export const REVISION_FIELD = '_rev';

const CONFLICT = /caas update conflict|SQLSTATE 40001/;

export function isUpdateConflict(error: unknown): boolean {
  if (!(error instanceof MongoServerError)) return false;
  if (error.code === 1 && CONFLICT.test(error.message)) return true;
  // A bulk write refused per operation: a conflict only if every refusal is one.
  const refused = error instanceof MongoBulkWriteError ? [error.writeErrors].flat() : [];
  return refused.length > 0 && refused.every((writeError) => writeError.code === 1 && CONFLICT.test(writeError.errmsg ?? ''));
}

/** Where a process looks whether the guard is there: an upserted document that carries a revision. */
const PROBE_COLLECTION = 'caas_update_guard_probe';

/** Whether FerretDB's backend gives documents the guard's revision (one upsert and one read, at connect). */
export async function hasUpdateGuard(db: Db): Promise<boolean> {
  const probe = db.collection<{ _id: string; at: number }>(PROBE_COLLECTION);
  await probe.updateOne({ _id: 'probe' }, { $set: { at: Date.now() } }, { upsert: true });
  const doc = await probe.findOne({ _id: 'probe' });
  return doc !== null && REVISION_FIELD in doc;
}

/** Runs an update again while the guard refuses it. */
export const retryUpdateConflicts = retryOnConflict(isUpdateConflict);

/**
 * Whether running the update twice on a document leaves it as running it once does. An updateMany
 * refused at one document has already changed the ones before it (FerretDB writes them one by
 * one), so it is asked again only when that changes nothing for them.
 */
export function isIdempotent(update: Update): boolean {
  return !('$inc' in update || '$mul' in update || '$push' in update);
}

/**
 * A projection that leaves the guard's revision out, unless it already names only the fields it
 * wants (an inclusion, `{ _id: 1 }` alone too: adding an exclusion would turn it into one that
 * returns every other field).
 */
export function withoutRevision(projection: Record<string, 0 | 1> | undefined): Record<string, 0 | 1> {
  if (projection === undefined) return { [REVISION_FIELD]: 0 };
  const includes = Object.values(projection).some((wanted) => wanted === 1);
  return includes ? projection : { ...projection, [REVISION_FIELD]: 0 };
}

/** The document without the guard's revision, where a read could not leave it out. */
export function withoutRevisionField<T extends object>(doc: T): T {
  if (!(REVISION_FIELD in doc)) return doc;
  const { [REVISION_FIELD]: _revision, ...rest } = doc as Record<string, unknown>;
  return rest as T;
}
