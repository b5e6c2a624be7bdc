import type { Services } from '../../runtime/context.ts';
import { isAppError } from '../../runtime/errors.ts';

/**
 * Which search index holds an app's messages.
 *
 * One index per app, not one shared `messages` index with an appId filter, because reindex
 * works per app: a rebuild writes a fresh index beside the live one and switches to it, and
 * only a per-app index can be built, switched and dropped without touching other tenants (in a
 * shared index, "the app's new generation" would be a second copy of its documents living
 * beside the first under a generation filter, with deletes of the old copy racing live writes).
 * Physical names are `messages-<appId>` for the first index and `messages-<appId>-<jobId>` for
 * each rebuild; names are never reused, so a half-built index of an abandoned job can never be
 * mistaken for a live one.
 *
 * The switch is a pointer in the store (collection `search_indexes`, one document per app), not
 * an engine alias: writers must know about the index being built anyway (live events go to both
 * indexes during a rebuild), so the pointer and the build state live in one document that every
 * writer and reader reads, and the embedded index and Elasticsearch need nothing beyond the
 * search port. The document is read on every write and query (one lookup by `_id`), without
 * caching: a reader that raced a switch and finds its index dropped re-reads it once
 * (`withIndexes`), and the rebuild's correctness argument (reindex.ts) relies on fresh reads.
 */
export const SEARCH_INDEXES = 'search_indexes';

export type ReindexStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** A rebuild of one app's index; `processed`/`total` count conversations, `messages` documents written. */
export interface ReindexJob {
  id: string;
  status: ReindexStatus;
  /** The index being built. */
  index: string;
  processed: number;
  total: number | null;
  messages: number;
  requestedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Refreshed by the running job; a job whose heartbeat is stale may be superseded. */
  heartbeatAt: number;
  error: string | null;
}

export interface SearchIndexDoc {
  /** The app id. */
  _id: string;
  appId: string;
  /** The index queries read and writers keep current. */
  current: string;
  /** The index a rebuild is filling, which writers keep current too; null when none. */
  building: string | null;
  /** The last rebuild, running or finished. */
  reindex: ReindexJob | null;
  updatedAt: number;
  [key: string]: unknown;
}

export function initialIndexName(appId: string): string {
  return `messages-${appId.toLowerCase()}`;
}

export function rebuildIndexName(appId: string, jobId: string): string {
  return `messages-${appId.toLowerCase()}-${jobId.toLowerCase()}`;
}

export function indexStates(services: Services) {
  return services.ports.store.collection<SearchIndexDoc>(SEARCH_INDEXES);
}

export async function findIndexState(services: Services, appId: string): Promise<SearchIndexDoc | null> {
  return indexStates(services).findOne({ _id: appId });
}

/** The app's index state, creating the first index on first use (concurrent callers agree). */
export async function ensureIndexState(services: Services, appId: string): Promise<SearchIndexDoc> {
  const existing = await findIndexState(services, appId);
  if (existing) return existing;
  const current = initialIndexName(appId);
  // Index first, pointer second: nobody is ever sent to an index that does not exist.
  await services.ports.search.ensureIndex(current);
  const state: SearchIndexDoc = { _id: appId, appId, current, building: null, reindex: null, updatedAt: services.clock.now() };
  try {
    await indexStates(services).insertOne(state);
    return state;
  } catch (error) {
    if (!(isAppError(error) && error.code === 'CONFLICT')) throw error;
    const winner = await findIndexState(services, appId);
    if (!winner) throw error;
    return winner;
  }
}

/** Every index a write must reach: the live one and, during a rebuild, the one being built. */
export function writeTargets(state: SearchIndexDoc): string[] {
  return state.building && state.building !== state.current ? [state.current, state.building] : [state.current];
}

/**
 * Runs `work` with the app's current state; when an index it names was dropped meanwhile (a
 * rebuild switched and dropped the old one, or abandoned its own), reads the state again and
 * retries once.
 */
export async function withIndexes<T>(services: Services, appId: string, work: (state: SearchIndexDoc) => Promise<T>): Promise<T> {
  const first = await ensureIndexState(services, appId);
  try {
    return await work(first);
  } catch (error) {
    if (!(isAppError(error) && error.code === 'NOT_FOUND')) throw error;
    return work(await ensureIndexState(services, appId));
  }
}
