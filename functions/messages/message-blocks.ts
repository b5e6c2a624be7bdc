import type { Filter } from '../../infra/store/port.ts';
import type { Services } from '../../runtime/context.ts';
import { walkSeqWindows } from '../events/seq-windows.ts';
import { MESSAGE_SEQ_BLOCK, MESSAGES, messageSeqBlock, type MessageDoc } from './messages.ts';

/** A walk's widest window, in seq blocks: one `$in` of block keys, asked as one lookup per block where `$in` is split. */
const MAX_BLOCKS_PER_WINDOW = 64;

export interface BlockWalk {
  direction: 'up' | 'down';
  /** The first and last sequence worth reading (inclusive), as in seq-windows.ts. */
  start: number;
  end: number;
  limit: number;
  /** More conditions on the top-level messages (e.g. not deleted). */
  filter?: Filter;
}

/**
 * A conversation's top-level messages by seq block, for a store without range scans: the rows the
 * sorted, limited `seq` range find returns, nearest `start` first, reading only the blocks near it
 * (MessageDoc.seqBlock, walked by seq-windows.ts).
 */
export function topLevelByBlocks(services: Services, conversationId: string, walk: BlockWalk): Promise<MessageDoc[]> {
  const messages = services.ports.store.collection<MessageDoc>(MESSAGES);
  const blocks = (low: number, high: number) =>
    Array.from({ length: Math.floor(high / MESSAGE_SEQ_BLOCK) - Math.floor(low / MESSAGE_SEQ_BLOCK) + 1 }, (_, i) =>
      messageSeqBlock(conversationId, low + i * MESSAGE_SEQ_BLOCK));
  return walkSeqWindows({
    ...walk,
    firstWidth: Math.max(walk.limit, MESSAGE_SEQ_BLOCK),
    maxWidth: MAX_BLOCKS_PER_WINDOW * MESSAGE_SEQ_BLOCK,
    align: MESSAGE_SEQ_BLOCK,
    // The block names the conversation: asking its id as well could only widen the store's index work.
    fetch: (low, high) => messages.find({ ...walk.filter, seqBlock: { $in: blocks(low, high) }, parentId: null, seq: { $gte: low, $lte: high } }),
  });
}
