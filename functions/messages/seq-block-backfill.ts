import type { Services } from '../../runtime/context.ts';
import { CONVERSATIONS } from '../conversations/conversations.ts';
import { MESSAGES, messageSeqBlock, type MessageDoc } from './messages.ts';

export interface SeqBlockBackfill {
  conversations: number;
  messages: number;
  /** Messages whose seq block was missing (or wrong) and is now written. */
  written: number;
}

/**
 * Writes `seqBlock` on messages projected before it existed. On a store without range scans
 * (FerretDB v1) history pages and the preview's fallback find messages by their block
 * (message-blocks.ts), so such messages were not found there. Each conversation's messages are
 * read by equality (one read per conversation, never a scan of the whole collection per page) and
 * the rows lacking their block get it, one update per block. Idempotent: a second run writes
 * nothing. Run once after upgrading a deployment with older data (`npx tsx bin/backfill-seq-blocks.ts`);
 * new messages get their block when projected.
 */
export async function backfillSeqBlocks(services: Services, onConversation?: (progress: SeqBlockBackfill) => void): Promise<SeqBlockBackfill> {
  const { store } = services.ports;
  const messages = store.collection<MessageDoc>(MESSAGES);
  const conversations = await store.collection(CONVERSATIONS).find({}, { projection: { _id: 1 } });
  const progress: SeqBlockBackfill = { conversations: 0, messages: 0, written: 0 };
  for (const { _id: conversationId } of conversations) {
    const rows = await messages.find({ conversationId }, { projection: { _id: 1, seq: 1, seqBlock: 1 } });
    // A block holds at most MESSAGE_SEQ_BLOCK messages: one update each.
    const missing = new Map<string, string[]>();
    for (const row of rows) {
      const block = messageSeqBlock(conversationId, row.seq);
      if (row.seqBlock === block) continue;
      const ids = missing.get(block) ?? [];
      ids.push(row._id);
      missing.set(block, ids);
    }
    for (const [block, ids] of missing) {
      progress.written += (await messages.updateMany({ _id: { $in: ids }, conversationId }, { $set: { seqBlock: block } })).modifiedCount;
    }
    progress.conversations += 1;
    progress.messages += rows.length;
    onConversation?.({ ...progress });
  }
  return progress;
}
