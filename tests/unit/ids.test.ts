import { describe, expect, it } from 'vitest';
import { newId } from '../../runtime/ids.ts';

describe('ids', () => {
  it('are prefixed, URL-safe and sort by creation time', () => {
    const earlier = newId('msg', 1_700_000_000_000);
    const later = newId('msg', 1_700_000_000_001);
    expect(earlier).toMatch(/^msg_[0-9a-z]{26}$/);
    expect(earlier < later).toBe(true);
  });

  it('do not collide', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId('x', 1)));
    expect(ids.size).toBe(10_000);
  });
});
