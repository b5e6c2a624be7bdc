import type { estypes } from '@elastic/elasticsearch';
import { encodeAfterCursor, type SortValues } from './elasticsearch-cursor.ts';
import { filterClauses, IS_TOMBSTONE, type IndexedSource } from './elasticsearch-documents.ts';
import type { ValidQuery } from './input.ts';
import type { SearchHit, SearchPage } from './port.ts';

/**
 * The search request for one page, and the page made from its answer.
 *
 * The caller's text never reaches a query parser: it is cut into words first (searchableWords),
 * and the words go to a `match` query (or `match_bool_prefix`, whose last term is a prefix), which
 * only analyses text. `operator: and` requires every word, as the embedded index does.
 */
const SNIPPET_CHARS = 150;

export function textQuery(words: string[], prefix: boolean): estypes.QueryDslQueryContainer {
  const match = { text: { query: words.join(' '), operator: 'and' as const } };
  if (!prefix) return { match };
  // A prefix term scores as a constant; the plain match beside it ranks by BM25 on whole words,
  // as the embedded index ranks its prefix queries.
  return { bool: { must: [{ match_bool_prefix: match }], should: [{ match: { text: { query: words.join(' ') } } }] } };
}

export function searchRequest(alias: string, words: string[], query: ValidQuery, after: SortValues | undefined): estypes.SearchRequest {
  return {
    index: alias,
    query: { bool: { must: [textQuery(words, query.prefix)], filter: filterClauses(query.filter), must_not: [IS_TOMBSTONE] } },
    // Score first; the id breaks ties so search_after pages never skip or repeat a hit.
    sort: [{ _score: { order: 'desc' } }, { id: { order: 'asc' } }],
    track_scores: true,
    track_total_hits: false,
    // One more than asked tells whether another page exists without counting.
    size: query.limit + 1,
    ...(after ? { search_after: after } : {}),
    _source: ['fields'],
    highlight: {
      encoder: 'html',
      pre_tags: ['<mark>'],
      post_tags: ['</mark>'],
      // The plain highlighter cuts fixed-size fragments around the match (the default one cuts at
      // sentences, which can leave the match alone): a snippet reads like the embedded index's.
      fields: { text: { type: 'plain', fragmenter: 'simple', number_of_fragments: 1, fragment_size: SNIPPET_CHARS, no_match_size: SNIPPET_CHARS } },
    },
  };
}

/**
 * Elasticsearch's HTML encoder writes `'` as `&#x27;` and `/` as `&#x2F;`; the embedded adapter
 * writes `&#39;` and leaves `/` alone. Normalised so a highlight reads the same on both. A literal
 * "&#x27;" in the text cannot be mistaken for one: the encoder turns its `&` into `&amp;`.
 */
function normaliseHighlight(html: string): string {
  return html.replaceAll('&#x27;', '&#39;').replaceAll('&#x2F;', '/');
}

export function toPage(response: estypes.SearchResponse<Pick<IndexedSource, 'fields'>>, limit: number, fingerprint: string): SearchPage {
  const raw = response.hits.hits;
  const page = raw.slice(0, limit);
  const hits: SearchHit[] = page.map((hit) => ({
    id: hit._id as string,
    score: hit._score ?? 0,
    highlight: normaliseHighlight(hit.highlight?.text?.[0] ?? ''),
    fields: hit._source?.fields ?? {},
  }));
  const last = page[page.length - 1];
  const nextCursor = raw.length > limit && last?.sort ? encodeAfterCursor(last.sort as SortValues, fingerprint) : null;
  return { hits, nextCursor };
}
