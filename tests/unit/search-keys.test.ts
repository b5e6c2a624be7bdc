import { describe, expect, it } from 'vitest';
import { ALL_DOCUMENTS_TOKEN, documentKeys, equalityToken, presenceToken } from '../../infra/search/local-keys.ts';

describe('search key tokens', () => {
  // Indexes on disk hold these tokens: a change of the formula would make old documents unfindable by filter.
  it('keep the tokens existing indexes were written with', () => {
    expect(presenceToken('conversationId')).toBe('k65821342442381298774796764618');
    expect(equalityToken('type', 'text')).toBe('k35020492032931058144358098318');
    expect(equalityToken('shadowed', false)).toBe('k33648550560038321135673302410');
  });

  it('give the same token on every call, and distinct tokens to 1, "1" and true', () => {
    const first = [equalityToken('n', 1), equalityToken('n', '1'), equalityToken('n', true)];
    expect(new Set(first).size).toBe(3);
    // Past the memo's bound, so recomputed tokens are compared with remembered ones too.
    for (let i = 0; i < 5000; i++) equalityToken('filler', i);
    expect([equalityToken('n', 1), equalityToken('n', '1'), equalityToken('n', true)]).toEqual(first);
  });

  it('list every present field once and each distinct value once, skipping null values and empty arrays', () => {
    const keys = documentKeys({ type: 'text', tags: ['a', 'a', 'b'], parentId: null, none: [] }).split(' ');
    expect(keys).toEqual([
      ALL_DOCUMENTS_TOKEN,
      presenceToken('type'),
      equalityToken('type', 'text'),
      presenceToken('tags'),
      equalityToken('tags', 'a'),
      equalityToken('tags', 'b'),
    ]);
  });
});
