import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from './partitioner.ts';

describe('partitioner', () => {
  it("hashes exactly like Kafka's Utils.murmur2 (vectors from Kafka's own UtilsTest)", () => {
    const vectors: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [input, expected] of vectors) expect(murmur2(Buffer.from(input))).toBe(expected);
  });

  it('sends one key to one partition, within range, for any partition count', () => {
    for (const partitions of [1, 3, 6, 12]) {
      for (const key of ['conversation-1', 'user:42', '', 'émoji 🎉']) {
        const partition = partitionForKey(key, partitions);
        expect(partition).toBeGreaterThanOrEqual(0);
        expect(partition).toBeLessThan(partitions);
        expect(partitionForKey(key, partitions)).toBe(partition);
      }
    }
  });

  it('spreads distinct keys over every partition', () => {
    const seen = new Set(Array.from({ length: 200 }, (_, i) => partitionForKey(`key-${i}`, 6)));
    expect(seen.size).toBe(6);
  });
});
