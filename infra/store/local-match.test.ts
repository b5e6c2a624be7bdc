import { Query } from 'mingo';
import { describe, expect, it } from 'vitest';
import type { Doc, Filter } from './port.ts';
import { compileFastFilter, documentMatcher } from './local-match.ts';
import { seededRandom as random } from '../../tests/support/seeded-random.ts';

/**
 * The embedded store's fast filter predicates must answer exactly as mingo (MongoDB's semantics)
 * does. Generated documents hold every shape a filtered path can meet (missing, null, each scalar
 * type, arrays, objects, paths through scalars and arrays); generated filters mix every fast
 * operator with ones only mingo handles. A fixed seed keeps failures reproducible.
 */
const SCALARS: unknown[] = [null, 0, -1, 1, 2.5, 10, '', 'a', 'b', '10', 'B', true, false];
const VALUES: unknown[] = [...SCALARS, [], [1, 'a'], [null], [[1]], { x: 1 }, {}, { z: 'a' }];
const PATHS = ['a', 'b', 'n.x', 'n.y', 'n.x.z', 'missing', 'constructor', 'a.0'];


function generators(next: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const maybe = (chance: number) => next() < chance;

  const value = (depth: number): unknown => {
    if (depth < 2 && maybe(0.2)) return { x: value(depth + 1), ...(maybe(0.5) ? { y: value(depth + 1) } : {}) };
    return structuredClone(pick(VALUES));
  };
  const doc = (id: number): Doc => {
    const out: Doc = { _id: `d${id}` };
    for (const field of ['a', 'b', 'n']) if (maybe(0.8)) out[field] = value(field === 'n' ? 0 : 1);
    return out;
  };
  const condition = (): unknown => {
    const scalar = () => pick(SCALARS);
    switch (pick(['literal', 'ops', 'ops', 'ops', 'mingo'])) {
      case 'literal':
        return maybe(0.9) ? scalar() : pick([{ x: 1 }, [1, 'a'], /a/]);
      case 'mingo':
        return pick([{ $size: 2 }, { $regex: '^a' }, { $not: { $gt: 1 } }, { $elemMatch: { $gt: 0 } }, { $all: [1] }, { $gte: null }]);
      default: {
        const ops: Record<string, unknown> = {};
        const count = 1 + Math.floor(next() * 2);
        for (let i = 0; i < count; i++) {
          const op = pick(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists']);
          if (op === '$exists') ops[op] = maybe(0.5);
          else if (op === '$in' || op === '$nin') ops[op] = Array.from({ length: Math.floor(next() * 4) }, scalar);
          else ops[op] = op === '$eq' || op === '$ne' ? scalar() : pick(SCALARS.filter((item) => item !== null));
        }
        return ops;
      }
    }
  };
  const filter = (depth: number): Filter => {
    const out: Filter = {};
    const count = Math.floor(next() * 3);
    for (let i = 0; i < count; i++) out[pick(PATHS)] = condition();
    if (depth < 2 && maybe(0.3)) out[pick(['$and', '$or', '$nor'])] = Array.from({ length: 1 + Math.floor(next() * 2) }, () => filter(depth + 1));
    return out;
  };
  return { doc, filter };
}

describe('embedded store filter matching', () => {
  it('agrees with mingo on generated documents and filters', () => {
    const next = random(20251125);
    const { doc, filter } = generators(next);
    const docs = Array.from({ length: 300 }, (_, i) => doc(i));
    const disagreements: unknown[] = [];
    let decidedFast = 0;
    let compared = 0;
    for (let round = 0; round < 1500; round++) {
      const generated = filter(0);
      const mingo = new Query(generated, { scriptEnabled: false });
      const fast = compileFastFilter(generated);
      const matcher = documentMatcher(generated);
      for (const candidate of docs) {
        const expected = mingo.test(candidate);
        const verdict = fast?.(candidate);
        if (verdict !== undefined) decidedFast++;
        const matched = matcher(candidate);
        if (matched !== expected || (verdict !== undefined && verdict !== expected)) {
          disagreements.push({ filter: generated, doc: candidate, mingo: expected, fast: verdict, matched });
        }
        compared++;
      }
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
    // The comparison must exercise the fast predicates, not only the fallback to mingo.
    expect(decidedFast).toBeGreaterThan(compared / 4);
  });

  it('decides the chat API filter shapes without mingo', () => {
    const message = { _id: 'm1', conversationId: 'c1', seq: 7, version: 2, deletedAt: null, meta: { pinned: true } };
    const filters: Array<[Filter, boolean]> = [
      [{ _id: 'm1' }, true],
      [{ _id: 'm1', conversationId: 'c2' }, false],
      [{ conversationId: 'c1', seq: { $lt: 300, $gte: 7 } }, true],
      [{ _id: 'm1', version: { $lt: 2 } }, false],
      [{ deletedAt: null, 'meta.pinned': true }, true],
      [{ 'meta.archived': { $exists: false }, seq: { $in: [1, 7] } }, true],
      [{ $or: [{ seq: { $gt: 10 } }, { version: { $ne: 2 } }] }, false],
    ];
    for (const [filter, expected] of filters) {
      expect({ filter, verdict: compileFastFilter(filter)?.(message) }).toEqual({ filter, verdict: expected });
    }
  });

  it('hands array and object values to mingo, which matches array elements', () => {
    const room = { _id: 'r1', members: ['u1', 'u2'], owner: { id: 'u1' } };
    expect(compileFastFilter({ members: 'u1' })?.(room)).toBeUndefined();
    expect(documentMatcher({ members: 'u1' })(room)).toBe(true);
    expect(documentMatcher({ members: { $ne: 'u2' } })(room)).toBe(false);
    expect(documentMatcher({ 'owner.id': 'u1' })(room)).toBe(true);
    expect(documentMatcher({ owner: { $gt: 'u' } })(room)).toBe(false);
  });
});
