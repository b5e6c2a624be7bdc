import type { Collection, Doc, Filter } from '../../infra/store/port.ts';

/**
 * Pages by sequence on a store that cannot range-scan an index (`capabilities.rangeScans: false`,
 * FerretDB v1): there `find({ conversationId, seq: { $lt: x } }, { sort, limit })` reads and decodes
 * every row of the conversation, because only equalities reach the backend. The walk instead asks
 * for windows of sequences by equality (event ids, message seq blocks), nearest window first, until
 * it holds `limit` rows or reaches `end`. Each next window is as wide as what is still missing needs
 * at the density seen so far (twice the last while none was seen), so a page that lacks one row
 * reads one more block, not twice as many.
 *
 * The rows it returns are the ones the sorted, limited range find would return: windows are walked
 * without a hole, nearest first, so every row not yet read lies beyond every row already read.
 *
 * @example
 * // The 50 newest rows below seq 900, reading seq blocks of 32 from 899 down to 1:
 * walkSeqWindows({ direction: 'down', start: 899, end: 1, limit: 50, firstWidth: 50, maxWidth: 2_048,
 *   align: 32, fetch: (low, high) => rowsWithSeqIn(low, high) });
 */
export interface SeqWindowWalk<T extends { seq: number }> {
  /** 'down' walks to lower sequences (history before a cursor), 'up' to higher ones (catch-up). */
  direction: 'up' | 'down';
  /** The first sequence to read (inclusive). */
  start: number;
  /** The last sequence worth reading (inclusive): 1 going down, the highest reserved going up. */
  end: number;
  limit: number;
  /** The first window's width, in sequences (at most maxWidth); the next ones are sized by the density seen. */
  firstWidth: number;
  maxWidth: number;
  /** Window edges (all but the first window's near edge) fall on multiples of this: a seq block's size. */
  align?: number;
  /**
   * A row exists at every sequence up to the newest (a dense log nothing is deleted from): a window
   * that comes back with fewer rows than sequences ends the walk, so `end` may be Infinity.
   */
  dense?: boolean;
  /** The rows whose sequence lies in [low, high], in any order. */
  fetch(low: number, high: number): Promise<T[]>;
}

/**
 * The widest window asked by id: one `$in` of at most this many ids, which the MongoDB adapter asks
 * as one equality lookup per id on such a store (infra/store/mongodb-in-split.ts splits up to 100).
 */
const MAX_IDS_PER_WINDOW = 100;

/**
 * The walk for rows whose ids name their sequence (events, the app event log): each window is one
 * `$in` of the ids it covers, with `filter`'s conditions beside it.
 */
export function walkSeqIds<T extends Doc & { seq: number }>(
  collection: Collection<T>,
  idOf: (seq: number) => string,
  walk: Omit<SeqWindowWalk<T>, 'fetch' | 'maxWidth'>,
  filter: Filter = {},
): Promise<T[]> {
  return walkSeqWindows({
    ...walk,
    maxWidth: MAX_IDS_PER_WINDOW,
    fetch: (low, high) => collection.find({ ...filter, _id: { $in: Array.from({ length: high - low + 1 }, (_, i) => idOf(low + i)) } }),
  });
}

export async function walkSeqWindows<T extends { seq: number }>(walk: SeqWindowWalk<T>): Promise<T[]> {
  const down = walk.direction === 'down';
  const align = walk.align ?? 1;
  const rows: T[] = [];
  let next = walk.start;
  let width = Math.min(walk.firstWidth, walk.maxWidth);
  let covered = 0;
  while (rows.length < walk.limit && (down ? next >= walk.end : next <= walk.end)) {
    const [low, high] = down
      ? [Math.max(walk.end, Math.floor((next - width + 1) / align) * align), next]
      : [next, Math.min(walk.end, Math.ceil((next + width) / align) * align - 1)];
    const found = await walk.fetch(low, high);
    rows.push(...found);
    if (walk.dense && found.length < high - low + 1) break;
    next = down ? low - 1 : high + 1;
    covered += high - low + 1;
    // What is still missing at the density seen so far, a quarter more for luck; twice as wide while nothing was found.
    const wanted = rows.length === 0 ? width * 2 : Math.ceil((((walk.limit - rows.length) * covered) / rows.length) * 1.25);
    width = Math.max(1, Math.min(wanted, walk.maxWidth));
  }
  rows.sort(down ? (a, b) => b.seq - a.seq : (a, b) => a.seq - b.seq);
  return rows.slice(0, walk.limit);
}
