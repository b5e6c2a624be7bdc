import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_LIMITS, type SearchDocument, type SearchPage, type SearchPort, type SearchQuery } from '../../infra/search/port.ts';

/**
 * The search port's contract, run unchanged on every adapter (embedded FTS5, Elasticsearch).
 * Only the public interface is used: every write is followed by refresh() (Elasticsearch is near
 * real time), assertions are on sets or order of ids, never on score values, and every test
 * works in its own randomly named index so the suite can share a real cluster.
 */
export function searchContract(factory: () => Promise<SearchPort>): void {
  describe('search port contract', () => {
    let search: SearchPort;
    const created: string[] = [];

    beforeAll(async () => {
      search = await factory();
    });

    afterAll(async () => {
      for (const index of created) await search.dropIndex(index);
      await search.close();
    });

    async function freshIndex(): Promise<string> {
      const index = `contract-${randomUUID().slice(0, 8)}`;
      await search.ensureIndex(index);
      created.push(index);
      return index;
    }

    function doc(id: string, text: string, fields: SearchDocument['fields'] = {}, version?: number): SearchDocument {
      return version === undefined ? { id, text, fields } : { id, text, fields, version };
    }

    async function write(index: string, documents: SearchDocument[]): Promise<void> {
      await search.upsert(index, documents);
      await search.refresh(index);
    }

    async function ids(index: string, query: Omit<SearchQuery, 'text'> & { text: string }): Promise<string[]> {
      const page = await search.query(index, query);
      return page.hits.map((hit) => hit.id).sort();
    }

    async function indexWithTexts(texts: Record<string, string>): Promise<string> {
      const index = await freshIndex();
      await write(index, Object.entries(texts).map(([id, text]) => doc(id, text)));
      return index;
    }

    it('finds documents containing a word and only those', async () => {
      const index = await indexWithTexts({ a: 'the weather is lovely today', b: 'nothing to see here' });
      expect(await ids(index, { text: 'weather' })).toEqual(['a']);
      expect(await ids(index, { text: 'umbrella' })).toEqual([]);
    });

    it('matches other forms of an English word (stemming)', async () => {
      const index = await indexWithTexts({ a: 'I was running late', b: 'she runs every morning', c: 'a quiet walk' });
      expect(await ids(index, { text: 'run' })).toEqual(['a', 'b']);
      expect(await ids(index, { text: 'running' })).toEqual(['a', 'b']);
    });

    it('ignores accents and case in both directions', async () => {
      const index = await indexWithTexts({ a: 'Meet me at the Café', b: 'cafe au lait', c: 'HELLO there' });
      expect(await ids(index, { text: 'cafe' })).toEqual(['a', 'b']);
      expect(await ids(index, { text: 'CAFÉ' })).toEqual(['a', 'b']);
      expect(await ids(index, { text: 'hello' })).toEqual(['c']);
      expect(await ids(index, { text: 'HeLLo' })).toEqual(['c']);
    });

    it('treats the last word as a prefix only when asked', async () => {
      const index = await indexWithTexts({ a: 'hello world', b: 'help wanted', c: 'goodbye world' });
      expect(await ids(index, { text: 'hel', prefix: true })).toEqual(['a', 'b']);
      expect(await ids(index, { text: 'hel' })).toEqual([]);
      expect(await ids(index, { text: 'world hel', prefix: true })).toEqual(['a']);
      // Only the last word is a prefix.
      expect(await ids(index, { text: 'wor hello', prefix: true })).toEqual([]);
    });

    it('requires every word of the query (AND)', async () => {
      const index = await indexWithTexts({ a: 'quick brown fox', b: 'quick brown dog', c: 'lazy fox' });
      expect(await ids(index, { text: 'quick fox' })).toEqual(['a']);
      expect(await ids(index, { text: 'brown' })).toEqual(['a', 'b']);
    });

    it('ranks documents where the words weigh more first', async () => {
      const index = await indexWithTexts({
        weak: 'apple banana cherry date elderberry fig grape',
        strong: 'apple apple apple',
      });
      const page = await search.query(index, { text: 'apple' });
      expect(page.hits.map((hit) => hit.id)).toEqual(['strong', 'weak']);
    });

    it('returns the stored fields with each hit', async () => {
      const index = await freshIndex();
      const fields = { appId: 'a1', tags: ['x', 'y'], createdAt: 1_700_000_000_000, pinned: true };
      await write(index, [doc('m1', 'fields come back', fields)]);
      const page = await search.query(index, { text: 'fields' });
      expect(page.hits).toHaveLength(1);
      expect(page.hits[0]?.fields).toEqual(fields);
      expect(typeof page.hits[0]?.score).toBe('number');
    });

    describe('filters', () => {
      let index: string;
      beforeAll(async () => {
        index = await freshIndex();
        await write(index, [
          doc('m1', 'status report', { conversationId: 'c1', createdAt: 100, tags: ['urgent', 'ops'], pinned: true }),
          doc('m2', 'status report', { conversationId: 'c2', createdAt: 200, tags: ['ops'], pinned: false }),
          doc('m3', 'status report', { conversationId: 'c3', createdAt: 300, tags: [] }),
          doc('m4', 'status report', { conversationId: 'c1', createdAt: 400, editedAt: null }),
        ]);
      });

      it('by equality', async () => {
        expect(await ids(index, { text: 'status', filter: { conversationId: 'c1' } })).toEqual(['m1', 'm4']);
        expect(await ids(index, { text: 'status', filter: { pinned: true } })).toEqual(['m1']);
      });

      it('by any of several values', async () => {
        expect(await ids(index, { text: 'status', filter: { conversationId: { in: ['c2', 'c3', 'c9'] } } })).toEqual(['m2', 'm3']);
        expect(await ids(index, { text: 'status', filter: { conversationId: { in: [] } } })).toEqual([]);
      });

      it('by any of a long list of values (a user in many conversations), keeping types distinct', async () => {
        const others = Array.from({ length: 300 }, (_, i) => `c${i + 10}`);
        expect(await ids(index, { text: 'status', filter: { conversationId: { in: [...others, 'c2', 'c3'] } } })).toEqual(['m2', 'm3']);
        expect(await ids(index, { text: 'status', filter: { tags: { in: [...others, 'urgent'] } } })).toEqual(['m1']);
        expect(await ids(index, { text: 'status', filter: { createdAt: { in: [...others.map((_, i) => i + 1000), 200, '300'] } } })).toEqual(['m2']);
        expect(await ids(index, { text: 'status', filter: { pinned: { in: [...others, true] } } })).toEqual(['m1']);
        expect(await ids(index, { text: 'status', filter: { editedAt: { in: [...others, null] } } })).toEqual(['m1', 'm2', 'm3', 'm4']);
      });

      it('by inclusive and exclusive ranges', async () => {
        expect(await ids(index, { text: 'status', filter: { createdAt: { gte: 200, lte: 300 } } })).toEqual(['m2', 'm3']);
        expect(await ids(index, { text: 'status', filter: { createdAt: { gt: 200, lt: 400 } } })).toEqual(['m3']);
        expect(await ids(index, { text: 'status', filter: { createdAt: { gte: 300 } } })).toEqual(['m3', 'm4']);
      });

      it('on array fields, matching when any element matches', async () => {
        expect(await ids(index, { text: 'status', filter: { tags: 'ops' } })).toEqual(['m1', 'm2']);
        expect(await ids(index, { text: 'status', filter: { tags: { in: ['urgent', 'nope'] } } })).toEqual(['m1']);
      });

      it('by presence, where null and empty arrays count as missing', async () => {
        expect(await ids(index, { text: 'status', filter: { tags: { exists: true } } })).toEqual(['m1', 'm2']);
        expect(await ids(index, { text: 'status', filter: { tags: { exists: false } } })).toEqual(['m3', 'm4']);
        expect(await ids(index, { text: 'status', filter: { editedAt: { exists: true } } })).toEqual([]);
        expect(await ids(index, { text: 'status', filter: { tags: null } })).toEqual(['m3', 'm4']);
        expect(await ids(index, { text: 'status', filter: { pinned: { in: [false, null] } } })).toEqual(['m2', 'm3', 'm4']);
      });

      it('with all conditions ANDed', async () => {
        expect(await ids(index, { text: 'status', filter: { conversationId: 'c1', createdAt: { lt: 200 } } })).toEqual(['m1']);
      });

      it('refusing malformed conditions', async () => {
        const bad = { createdAt: { between: [1, 2] } } as unknown as SearchQuery['filter'];
        await expect(search.query(index, { text: 'status', filter: bad })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      });
    });

    describe('external versions', () => {
      it('ignores an upsert older than the stored version', async () => {
        const index = await freshIndex();
        await write(index, [doc('m1', 'second edit', {}, 2)]);
        await write(index, [doc('m1', 'first draft', {}, 1)]);
        expect(await ids(index, { text: 'second' })).toEqual(['m1']);
        expect(await ids(index, { text: 'draft' })).toEqual([]);
      });

      it('applies an upsert with a newer version, replacing text and fields', async () => {
        const index = await freshIndex();
        await write(index, [doc('m1', 'first draft', { state: 'draft' }, 1)]);
        await write(index, [doc('m1', 'final text', { state: 'final' }, 2)]);
        expect(await ids(index, { text: 'draft' })).toEqual([]);
        expect(await ids(index, { text: 'final', filter: { state: 'final' } })).toEqual(['m1']);
        expect(await ids(index, { text: 'final', filter: { state: 'draft' } })).toEqual([]);
      });

      it('ignores a delete older than the stored version', async () => {
        const index = await freshIndex();
        await write(index, [doc('m1', 'still here', {}, 3)]);
        await search.delete(index, 'm1', 2);
        await search.refresh(index);
        expect(await ids(index, { text: 'still' })).toEqual(['m1']);
      });

      it('keeps a deleted document deleted when an older upsert arrives late', async () => {
        const index = await freshIndex();
        await write(index, [doc('m1', 'secret plans', {}, 4)]);
        await search.delete(index, 'm1', 5);
        await write(index, [doc('m1', 'secret plans', {}, 4)]);
        expect(await ids(index, { text: 'secret' })).toEqual([]);
        await write(index, [doc('m1', 'secret plans revised', {}, 6)]);
        expect(await ids(index, { text: 'secret' })).toEqual(['m1']);
      });

      it('keeps a delete that overtook its upsert', async () => {
        const index = await freshIndex();
        await search.delete(index, 'm1', 2);
        await write(index, [doc('m1', 'arrived late', {}, 1)]);
        expect(await ids(index, { text: 'late' })).toEqual([]);
      });
    });

    it('deletes a document by id, and deleting a missing id is a no-op', async () => {
      const index = await indexWithTexts({ a: 'ephemeral note', b: 'ephemeral memo' });
      await search.delete(index, 'a');
      await search.delete(index, 'never-existed');
      await search.refresh(index);
      expect(await ids(index, { text: 'ephemeral' })).toEqual(['b']);
    });

    it('deletes by query and returns how many documents it removed', async () => {
      const index = await freshIndex();
      await write(index, [
        doc('m1', 'retention target', { conversationId: 'c1' }),
        doc('m2', 'retention target', { conversationId: 'c1' }),
        doc('m3', 'retention target', { conversationId: 'c1' }),
        doc('m4', 'retention target', { conversationId: 'c2' }),
      ]);
      expect(await search.deleteByQuery(index, { conversationId: 'c1' })).toBe(3);
      await search.refresh(index);
      expect(await ids(index, { text: 'retention' })).toEqual(['m4']);
      expect(await search.deleteByQuery(index, { conversationId: 'c1' })).toBe(0);
    });

    it('pages through every hit exactly once', async () => {
      const index = await freshIndex();
      const all = Array.from({ length: 25 }, (_, i) => `m${String(i).padStart(2, '0')}`);
      await write(index, all.map((id, i) => doc(id, `paging test ${'filler '.repeat(i % 5)}`)));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page: SearchPage = await search.query(index, { text: 'paging', limit: 10, ...(cursor ? { cursor } : {}) });
        expect(page.hits.length).toBeLessThanOrEqual(10);
        seen.push(...page.hits.map((hit) => hit.id));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen.sort()).toEqual(all);
    });

    it('refuses a malformed cursor and a cursor from another query', async () => {
      const index = await indexWithTexts(Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`m${i}`, 'cursor check'])));
      const first = await search.query(index, { text: 'cursor', limit: 1 });
      expect(first.nextCursor).toEqual(expect.any(String));
      const cursor = first.nextCursor as string;
      await expect(search.query(index, { text: 'cursor', cursor: 'not-a-cursor!' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(search.query(index, { text: 'check', cursor })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(search.query(index, { text: 'cursor', filter: { x: 'y' }, cursor })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });

    it('highlights matches with <mark> and escapes stored markup', async () => {
      const index = await indexWithTexts({ a: 'look at <script>alert(1)</script> this dangerous message' });
      const page = await search.query(index, { text: 'dangerous' });
      const highlight = page.hits[0]?.highlight ?? '';
      expect(highlight).toContain('<mark>dangerous</mark>');
      expect(highlight).not.toContain('<script>');
      expect(highlight).toContain('&lt;script&gt;');
    });

    it('treats query syntax characters as plain text', async () => {
      const index = await indexWithTexts({
        both: 'foo or bar',
        fooOnly: 'foo alone',
        barOnly: 'bar alone',
        barn: 'foo or barn',
        near: 'alpha is near beta',
        notNear: 'alpha beta',
        minus: 'alpha gamma',
      });
      expect(await ids(index, { text: '"foo" OR bar*' })).toEqual(['both']);
      expect(await ids(index, { text: 'NEAR(alpha beta' })).toEqual(['near']);
      expect(await ids(index, { text: 'alpha -gamma' })).toEqual(['minus']);
      expect(await ids(index, { text: 'gamma) (' })).toEqual(['minus']);
      expect(await ids(index, { text: 'text:alpha ^beta' })).toEqual([]);
    });

    it('refuses a query with no words, an over-long query and an out-of-range limit', async () => {
      const index = await indexWithTexts({ a: 'anything' });
      await expect(search.query(index, { text: '"*() -' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(search.query(index, { text: '   ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      const tooLong = 'anything '.repeat(SEARCH_LIMITS.maxQueryLength);
      await expect(search.query(index, { text: tooLong })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(search.query(index, { text: 'anything', limit: SEARCH_LIMITS.maxLimit + 1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });

    it('keeps indexes isolated from each other', async () => {
      const first = await indexWithTexts({ shared: 'apples in the first index' });
      const second = await indexWithTexts({ shared: 'oranges in the second index' });
      expect(await ids(first, { text: 'oranges' })).toEqual([]);
      expect(await ids(second, { text: 'apples' })).toEqual([]);
      await search.delete(first, 'shared');
      await search.refresh(first);
      expect(await ids(second, { text: 'oranges' })).toEqual(['shared']);
      await search.dropIndex(first);
      expect(await ids(second, { text: 'oranges' })).toEqual(['shared']);
    });

    it('keeps documents when ensureIndex runs again', async () => {
      const index = await indexWithTexts({ a: 'persistent entry' });
      await search.ensureIndex(index);
      expect(await ids(index, { text: 'persistent' })).toEqual(['a']);
    });

    it('reports a missing index as NOT_FOUND and refuses invalid index names', async () => {
      const missing = `contract-missing-${randomUUID().slice(0, 8)}`;
      await expect(search.query(missing, { text: 'anything' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(search.ensureIndex('Not A Valid/Name')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });

    it('answers ping', async () => {
      await expect(search.ping()).resolves.toBeUndefined();
    });
  });
}
