import { describe, expect, it } from 'vitest';
import type { Doc, Update } from './port.ts';
import { StoreGuard } from './guard.ts';
import { applySimpleUpdate } from './local-simple-update.ts';
import { applyMingoUpdate, applyUpdate } from './local-update.ts';
import { seededRandom as random } from '../../tests/support/seeded-random.ts';

/**
 * The embedded store applies common updates without mingo (local-simple-update.ts). Whenever it
 * does, the document must come out byte for byte (JSON, key order included) as mingo's path makes
 * it, and whenever that path would raise an error the fast one must decline, untouched. Generated
 * documents and updates cover every operator, paths through missing fields, scalars, null, arrays
 * and objects; a fixed seed keeps failures reproducible.
 */
const VALUES: unknown[] = [null, 0, -1, 2.5, 7, '', 'a', 'z', true, false, [], [1, 'a'], { x: 1 }, {}, { y: { z: 2 } }, { x: 1, z: 'a' }, { z: 'a', x: 1 }];
const NUMBERS = [0, 1, -1, 2.5, 100];
const PATHS = ['a', 'b', 'n', 'n.x', 'n.x.z', 'n.y', 'c', 'c.d', 'c.d.e', 'a.0', 'l.0', '_id', 'toString', 'n.constructor'];
const OPERATORS = ['$set', '$set', '$unset', '$inc', '$inc', '$min', '$max', '$setOnInsert', '$push', '$addToSet'];


function generators(next: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const value = (depth: number): unknown =>
    depth < 2 && next() < 0.25 ? { x: value(depth + 1), ...(next() < 0.5 ? { y: value(depth + 1) } : {}) } : structuredClone(pick(VALUES));
  const doc = (): Doc => {
    const out: Doc = { _id: 'd' };
    for (const field of ['a', 'b', 'n', 'l']) if (next() < 0.7) out[field] = field === 'l' ? [1, 2] : value(field === 'n' ? 0 : 1);
    return out;
  };
  const update = (): Update => {
    const out: Update = {};
    const count = 1 + Math.floor(next() * 3);
    for (let i = 0; i < count; i++) {
      const operator = pick(OPERATORS);
      const path = pick(PATHS);
      const operand = operator === '$inc' || (operator !== '$set' && next() < 0.6) ? pick(NUMBERS) : value(1);
      (out[operator] ??= {})[path] = operand;
    }
    return out;
  };
  return { doc, update };
}

const guard: StoreGuard = new StoreGuard('test');
const acceptedByGuard = (update: Update) => {
  try {
    guard.update(update);
    return true;
  } catch {
    return false;
  }
};

describe('embedded store update application', () => {
  it('makes the same document as mingo whenever it applies, and declines untouched otherwise', () => {
    const next = random(1125);
    const { doc, update } = generators(next);
    const disagreements: unknown[] = [];
    let appliedFast = 0;
    let compared = 0;
    while (compared < 20_000) {
      const [original, modifier, inserting] = [doc(), update(), next() < 0.3];
      if (!acceptedByGuard(modifier)) continue;
      compared++;
      const viaMingo = structuredClone(original);
      let mingoError: unknown;
      try {
        applyMingoUpdate(viaMingo, modifier, inserting);
      } catch (error) {
        mingoError = error;
      }
      const viaFast = structuredClone(original);
      const applied = applySimpleUpdate(viaFast, modifier, inserting);
      const expected = applied ? (mingoError === undefined ? JSON.stringify(viaMingo) : 'an error') : JSON.stringify(original);
      if (JSON.stringify(viaFast) !== expected) {
        disagreements.push({ original, modifier, inserting, applied, fast: viaFast, mingo: mingoError ? String(mingoError) : viaMingo });
      }
      if (applied) appliedFast++;
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
    // The comparison must exercise the fast path, not only its declining.
    expect(appliedFast).toBeGreaterThan(compared / 4);
  });

  it('applies the chat API updates without mingo', () => {
    const message: Doc = { _id: 'm1', version: 1, replyCount: 2, reactionCounts: { '👍': 1 } };
    expect(applySimpleUpdate(message, { $set: { version: 2, lastMessage: { id: 'm9', seq: 9 } }, $inc: { replyCount: 1 } }, false)).toBe(true);
    expect(applySimpleUpdate(message, { $unset: { 'reactionCounts.👍': '' }, $max: { seq: 9 } }, false)).toBe(true);
    expect(message).toEqual({ _id: 'm1', version: 2, replyCount: 3, reactionCounts: {}, lastMessage: { id: 'm9', seq: 9 }, seq: 9 });
  });

  it('copies $set values, so changing the update object later does not reach the document', () => {
    const preview = { id: 'm1', text: 'hi' };
    const doc: Doc = { _id: 'c1' };
    applyUpdate(doc, { $set: { lastMessage: preview } }, false);
    preview.text = 'changed';
    expect(doc).toEqual({ _id: 'c1', lastMessage: { id: 'm1', text: 'hi' } });
  });

  it('raises MongoDB type errors through the general path', () => {
    expect(() => applyUpdate({ _id: 'a', n: 'text' }, { $inc: { n: 1 } }, false)).toThrow(/not a number/);
    expect(() => applyUpdate({ _id: 'a', n: 5 }, { $set: { 'n.x': 1 } }, false)).toThrow(/not an object/);
    expect(() => applyUpdate({ _id: 'a' }, { $set: { _id: 'b' } }, false)).toThrow(/_id/);
  });
});
