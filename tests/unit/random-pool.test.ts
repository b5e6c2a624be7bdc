import { describe, expect, it } from 'vitest';
import { pooledRandomBytes } from '../../runtime/random-pool.ts';

describe('pooled random bytes', () => {
  it('hand each draw bytes of its own, across refills of the pool', () => {
    const draws = Array.from({ length: 3000 }, () => pooledRandomBytes(12));
    expect(draws.every((draw) => draw.length === 12)).toBe(true);
    // Views of the same memory would compare equal once the pool is refilled in place.
    expect(new Set(draws.map((draw) => draw.toString('hex'))).size).toBe(3000);
  });

  it('serve a draw larger than the pool', () => {
    const large = pooledRandomBytes(64 * 1024);
    expect(large.length).toBe(64 * 1024);
    expect(large.some((byte) => byte !== 0)).toBe(true);
  });
});
