import { describe, expect, it } from 'vitest';
import { walkSeqWindows, type SeqWindowWalk } from '../../functions/events/seq-windows.ts';

type Row = { seq: number };

/** Sequences 1..last, each present with the given chance (a seeded generator: the same rows every run). */
function sparseRows(last: number, chance: number, seed: number): Row[] {
  let state = seed;
  const random = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: last }, (_, i) => ({ seq: i + 1 })).filter(() => random() < chance);
}

/** The walk over `rows`, recording each window it asked for. */
async function walk(rows: Row[], options: Omit<SeqWindowWalk<Row>, 'fetch'>) {
  const windows: Array<[number, number]> = [];
  const found = await walkSeqWindows({
    ...options,
    fetch: async (low, high) => {
      windows.push([low, high]);
      return rows.filter((row) => row.seq >= low && row.seq <= high).reverse();
    },
  });
  return { found, windows };
}

/** What a sorted, limited range find returns. */
function rangeFind(rows: Row[], direction: 'up' | 'down', start: number, limit: number): Row[] {
  const inRange = rows.filter((row) => (direction === 'down' ? row.seq <= start : row.seq >= start));
  return inRange.sort((a, b) => (direction === 'down' ? b.seq - a.seq : a.seq - b.seq)).slice(0, limit);
}

describe('walkSeqWindows', () => {
  it('returns what the sorted, limited range find returns, in both directions, dense or sparse', async () => {
    for (const [chance, seed] of [[1, 1], [0.5, 2], [0.1, 3], [0.01, 4]] as const) {
      const rows = sparseRows(2_000, chance, seed);
      for (const start of [1, 17, 640, 1_999, 2_000]) {
        for (const limit of [1, 51, 201]) {
          const down = await walk(rows, { direction: 'down', start, end: 1, limit, firstWidth: limit, maxWidth: 2_048, align: 32 });
          expect(down.found).toEqual(rangeFind(rows, 'down', start, limit));
          const up = await walk(rows, { direction: 'up', start, end: 2_000, limit, firstWidth: limit, maxWidth: 100 });
          expect(up.found).toEqual(rangeFind(rows, 'up', start, limit));
        }
      }
    }
  });

  it('asks for contiguous windows, nearest first, never past its end, stopping once it holds the limit', async () => {
    const rows = sparseRows(1_000, 0.25, 5);
    const { windows } = await walk(rows, { direction: 'down', start: 900, end: 1, limit: 51, firstWidth: 51, maxWidth: 2_048, align: 32 });
    expect(windows[0]![1]).toBe(900);
    for (const [i, [low, high]] of windows.entries()) {
      expect(low).toBeLessThanOrEqual(high);
      expect(low).toBeGreaterThanOrEqual(1);
      expect(low % 32).toBe(0);
      if (i > 0) expect(high).toBe(windows[i - 1]![0] - 1);
    }
    // ≈ 51 rows at a quarter density need ≈ 204 sequences: windows of ≥ 51, 102, 204 (edges rounded to blocks).
    expect(windows.length).toBeLessThanOrEqual(3);
    const upward = await walk(rows, { direction: 'up', start: 10, end: 1_000, limit: 20, firstWidth: 20, maxWidth: 100 });
    for (const [i, [low, high]] of upward.windows.entries()) {
      expect(high - low + 1).toBeLessThanOrEqual(100);
      expect(high).toBeLessThanOrEqual(1_000);
      if (i > 0) expect(low).toBe(upward.windows[i - 1]![1] + 1);
    }
  });

  it('reads nothing when the start lies beyond the end (an empty conversation, a cursor past the newest)', async () => {
    const rows = sparseRows(100, 1, 6);
    expect(await walk(rows, { direction: 'down', start: 0, end: 1, limit: 10, firstWidth: 10, maxWidth: 100 })).toEqual({ found: [], windows: [] });
    expect(await walk(rows, { direction: 'up', start: 101, end: 100, limit: 10, firstWidth: 10, maxWidth: 100 })).toEqual({ found: [], windows: [] });
  });

  it('on a dense log, stops at the first window that comes back short: its end, with no bound given', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({ seq: i + 1 }));
    const caughtUp = await walk(rows, { direction: 'up', start: 301, end: Infinity, dense: true, limit: 200, firstWidth: 1, maxWidth: 100 });
    expect(caughtUp).toEqual({ found: [], windows: [[301, 301]] });
    const behind = await walk(rows, { direction: 'up', start: 90, end: Infinity, dense: true, limit: 500, firstWidth: 1, maxWidth: 100 });
    expect(behind.found).toEqual(rows.slice(89));
    // One id first; then what is missing at the density seen (all present), up to the widest window.
    expect(behind.windows.map(([low, high]) => high - low + 1)).toEqual([1, 100, 100, 100]);
    const limited = await walk(rows, { direction: 'up', start: 1, end: Infinity, dense: true, limit: 10, firstWidth: 1, maxWidth: 100 });
    expect(limited.found).toEqual(rows.slice(0, 10));
  });

  it('doubles its window while it finds nothing, up to maxWidth, and walks to the end when fewer rows than the limit exist', async () => {
    const rows = [{ seq: 900 }, { seq: 950 }];
    const { found, windows } = await walk(rows, { direction: 'up', start: 1, end: 1_000, limit: 50, firstWidth: 10, maxWidth: 100 });
    expect(found).toEqual(rows);
    expect(windows.at(-1)![1]).toBe(1_000);
    expect(windows.map(([low, high]) => high - low + 1).slice(0, 5)).toEqual([10, 20, 40, 80, 100]);
  });

  it('sizes the next window by the density seen: a page one row short reads one more block', async () => {
    const rows = Array.from({ length: 1_000 }, (_, i) => ({ seq: i + 1 }));
    // 51 wanted below 1 001, blocks of 32: the first window (960..1 000) holds 41, the next block the rest.
    const dense = await walk(rows, { direction: 'down', start: 1_000, end: 1, limit: 51, firstWidth: 41, maxWidth: 2_048, align: 32 });
    expect(dense.windows).toEqual([[960, 1_000], [928, 959]]);
    expect(dense.found).toEqual(rangeFind(rows, 'down', 1_000, 51));
    // A quarter of the sequences hold rows: the second window is sized for the 38 still missing (≈ 4 × 38 × 1.25).
    const quarter = rows.filter((row) => row.seq % 4 === 0);
    const sparse = await walk(quarter, { direction: 'down', start: 1_000, end: 1, limit: 51, firstWidth: 51, maxWidth: 2_048, align: 32 });
    expect(sparse.windows).toHaveLength(2);
    expect(sparse.found).toEqual(rangeFind(quarter, 'down', 1_000, 51));
  });
});
