import type { estypes } from '@elastic/elasticsearch';

/**
 * How search indexes look in Elasticsearch. A port index `messages` is the alias `<prefix>messages`
 * over the physical index `<prefix>messages.v1`, so a later mapping change can reindex into `.v2`
 * and move the alias without downtime. Writes name the alias with `require_alias`, so a write to an
 * index nobody ensured is NOT_FOUND instead of auto-creating an index with guessed mappings.
 *
 * One index template (`<prefix>search`, matching `<prefix>*`) carries settings and mappings:
 *
 * - `text`: the analysed body. English analysis like the `english` analyzer (possessives, Porter
 *   stemming) plus asciifolding, and without its stop words: the embedded FTS5 index keeps every
 *   word, and a search for "to be or not to be" must find the same messages on both adapters.
 * - `fields`: the caller's fields exactly as given, returned with hits, not indexed.
 * - `str.<f>`, `num.<f>`, `bool.<f>`: each field value indexed by its JSON type (keyword, double,
 *   boolean), via dynamic templates. Typed containers keep 1, "1" and true distinct, as the embedded
 *   index does, and let one field hold different types in different documents without a mapping
 *   conflict. `subobjects: false` lets `a` and `a.b` both be fields.
 * - `has`: the names of the fields present (null and empty arrays count as missing), for `exists`.
 * - `id` (keyword, the sort tiebreaker) and `deleted` (tombstones, see elasticsearch-documents.ts).
 */
export const PHYSICAL_SUFFIX = '.v1';

export function aliasName(prefix: string, index: string): string {
  return `${prefix}${index}`;
}

export function physicalName(prefix: string, index: string): string {
  return `${aliasName(prefix, index)}${PHYSICAL_SUFFIX}`;
}

export function templateName(prefix: string): string {
  return `${prefix}search`;
}

/** Longest keyword value indexed, in characters (Lucene's term limit is 32 766 bytes of UTF-8). */
const MAX_KEYWORD_CHARS = 8191;

const typedContainer: estypes.MappingProperty = { type: 'object', dynamic: true, subobjects: false } as estypes.MappingProperty;

export function indexTemplate(prefix: string): estypes.IndicesPutIndexTemplateRequest {
  return {
    name: templateName(prefix),
    index_patterns: [`${prefix}*`],
    // Above the built-in templates (priority 100 and below), so ours wins for our names.
    priority: 200,
    template: {
      settings: {
        number_of_shards: 1,
        auto_expand_replicas: '0-1',
        analysis: {
          filter: {
            caas_possessive: { type: 'stemmer', language: 'possessive_english' },
            caas_stemmer: { type: 'stemmer', language: 'english' },
          },
          analyzer: {
            caas_text: { type: 'custom', tokenizer: 'standard', filter: ['caas_possessive', 'lowercase', 'asciifolding', 'caas_stemmer'] },
          },
        },
      },
      mappings: {
        dynamic: 'strict',
        date_detection: false,
        numeric_detection: false,
        dynamic_templates: [
          { strings: { path_match: 'str.*', mapping: { type: 'keyword', ignore_above: MAX_KEYWORD_CHARS } } },
          { numbers: { path_match: 'num.*', mapping: { type: 'double' } } },
          { booleans: { path_match: 'bool.*', mapping: { type: 'boolean' } } },
        ],
        properties: {
          id: { type: 'keyword' },
          text: { type: 'text', analyzer: 'caas_text' },
          fields: { type: 'object', enabled: false },
          str: typedContainer,
          num: typedContainer,
          bool: typedContainer,
          has: { type: 'keyword' },
          deleted: { type: 'boolean' },
        },
      },
    },
  };
}
