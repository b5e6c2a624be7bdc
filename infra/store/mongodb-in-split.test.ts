import { describe, expect, it } from 'vitest';
import { MAX_SPLIT, splitIn } from './mongodb-in-split.ts';

describe('splitIn (FerretDB: one equality query per $in value)', () => {
  it('splits the one $in into equalities, keeping the other conditions and dropping repeated values', () => {
    expect(splitIn({ appId: 'a1', _id: { $in: ['x', 'y', 'x'] } })).toEqual([
      { appId: 'a1', _id: 'x' },
      { appId: 'a1', _id: 'y' },
    ]);
  });

  it.each([
    ['no $in', { appId: 'a1' }],
    ['an empty $in', { _id: { $in: [] } }],
    ['two $in', { _id: { $in: ['x'] }, k: { $in: [1] } }],
    ['$in beside another operator on the field', { n: { $in: [1], $gt: 0 } }],
    ['a non-scalar value', { k: { $in: [null] } }],
    ['an object value', { k: { $in: [{ a: 1 }] } }],
    ['a $in inside $or', { $or: [{ k: { $in: ['a'] } }] }],
    ['more values than MAX_SPLIT', { k: { $in: Array.from({ length: MAX_SPLIT + 1 }, (_, i) => i) } }],
  ])('leaves a filter with %s as it is', (_label, filter) => {
    expect(splitIn(filter)).toBeNull();
  });

  it('splits any number of values when the caller allows it (bulk writes)', () => {
    const values = Array.from({ length: MAX_SPLIT * 3 }, (_, i) => `v${i}`);
    expect(splitIn({ k: { $in: values } }, Number.POSITIVE_INFINITY)).toHaveLength(MAX_SPLIT * 3);
  });
});
