import type { Services } from '../../runtime/context.ts';
import { CONVERSATIONS, type ConversationDoc } from '../conversations/conversations.ts';
import { MESSAGES, type MessageDoc } from '../messages/messages.ts';
import { isSearchable, toSearchDocument } from './message-documents.ts';
import { claimJob, failJob, recordProgress, switchToBuilt } from './reindex-jobs.ts';
import type { ReindexJob } from './search-indexes.ts';

/**
 * Rebuilds an app's index from the store without downtime: queries keep reading the live index
 * while a new one is filled, then one atomic update switches readers to it and the old one is
 * dropped.
 *
 * Why nothing is lost: `requestReindex` points writers at the new index before this scan starts,
 * and the indexer reads that pointer on every event. An event handled before the pointer was set
 * had already been projected into its message row (projection precedes publication), so the scan,
 * which starts later, reads that row. Every write carries the message's version (the sequence of
 * the last event applied), so where the scan and the live indexer touch the same message, the
 * newer state wins whatever the order. Soft-deleted messages are written as versioned tombstones,
 * so a late redelivery of their creation cannot revive them.
 *
 * Conversations are scanned one by one through the (conversationId, seq) index; progress counts
 * conversations (`processed`/`total`) and documents written (`messages`).
 */
const BATCH = 500;
const PROGRESS_EVERY_MS = 250;

export interface ReindexOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Pick<ReindexJob, 'processed' | 'total' | 'messages'>) => void;
}

/** Runs a queued job to the end; resolves with the finished job, or null when it was not queued. */
export async function runReindex(services: Services, appId: string, jobId: string, options: ReindexOptions = {}): Promise<ReindexJob | null> {
  const claimed = await claimJob(services, appId, jobId);
  const job = claimed?.reindex;
  if (!job || job.id !== jobId) return null;
  try {
    const progress = await copyFromStore(services, appId, job, options);
    await services.ports.search.refresh(job.index);
    const replaced = await switchToBuilt(services, appId, job, progress);
    // Readers that raced the switch and find the old index gone re-read the pointer (withIndexes).
    if (replaced !== job.index) await services.ports.search.dropIndex(replaced);
    return { ...job, ...progress, status: 'succeeded', finishedAt: services.clock.now() };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (await failJob(services, appId, job, reason)) await services.ports.search.dropIndex(job.index);
    throw error;
  }
}

async function copyFromStore(services: Services, appId: string, job: ReindexJob, options: ReindexOptions) {
  const { store, search } = services.ports;
  const conversations = await store.collection<ConversationDoc>(CONVERSATIONS).find({ appId }, { sort: { _id: 1 }, projection: { _id: 1 } });
  const progress = { processed: 0, total: conversations.length, messages: 0 };
  await recordProgress(services, appId, job.id, progress);
  let reportedAt = Date.now();
  const report = async () => {
    // Also the heartbeat, and the check that this job was not superseded meanwhile.
    await recordProgress(services, appId, job.id, progress);
    options.onProgress?.({ ...progress });
    reportedAt = Date.now();
  };

  for (const conversation of conversations) {
    let afterSeq = -1;
    for (;;) {
      options.signal?.throwIfAborted();
      if (Date.now() - reportedAt >= PROGRESS_EVERY_MS) await report();
      const rows = await store
        .collection<MessageDoc>(MESSAGES)
        .find({ conversationId: conversation._id, seq: { $gt: afterSeq } }, { sort: { seq: 1 }, limit: BATCH });
      if (rows.length === 0) break;
      const live = rows.filter(isSearchable);
      if (live.length > 0) await search.upsert(job.index, live.map((message) => toSearchDocument(message, message.version)));
      for (const gone of rows.filter((message) => !isSearchable(message))) await search.delete(job.index, gone._id, gone.version);
      progress.messages += rows.length;
      afterSeq = rows[rows.length - 1]!.seq;
      if (rows.length < BATCH) break;
    }
    progress.processed += 1;
  }
  options.onProgress?.({ ...progress });
  return progress;
}
