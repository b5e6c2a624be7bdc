import { hash } from 'node:crypto';
import type { FieldValue, SearchDocument } from './port.ts';

/**
 * Exact-match filters run inside FTS5: every document's `keys` column holds one token per
 * (field, value) pair, one per present field, and one shared by all documents. FTS5 intersects
 * those posting lists with the words' lists far faster than SQL can filter the matches, and a
 * rare word ANDed with a huge list (every message of an app) costs little.
 *
 * A token is "k" + decimal digits of a hash of the typed pair: one token for the tokenizer, left
 * alone by the Porter stemmer (its rules only touch letters), and 1 (number), "1" (string) and
 * true (boolean) stay distinct.
 */
export const ALL_DOCUMENTS_TOKEN = 'kall';

/**
 * Tokens computed lately, by their hashed text: the same few fields and values (app, conversation,
 * author, type, flags) recur in message after message. Oldest-first eviction keeps it bounded.
 */
const recentTokens = new Map<string, string>();
const RECENT_TOKENS_LIMIT = 4096;

function token(parts: unknown[]): string {
  const text = JSON.stringify(parts);
  let known = recentTokens.get(text);
  if (known === undefined) {
    const digest = hash('sha256', text, 'buffer');
    // The first 12 bytes of the digest as one unsigned number.
    known = `k${(digest.readBigUInt64BE(0) << 32n) | BigInt(digest.readUInt32BE(8))}`;
    if (recentTokens.size >= RECENT_TOKENS_LIMIT) recentTokens.delete(recentTokens.keys().next().value!);
    recentTokens.set(text, known);
  }
  return known;
}

export function equalityToken(field: string, value: Exclude<FieldValue, null>): string {
  return token(['eq', field, value]);
}

export function presenceToken(field: string): string {
  return token(['exists', field]);
}

/** Null values and empty arrays count as missing, as in Elasticsearch. */
export function documentKeys(fields: SearchDocument['fields']): string {
  const tokens = [ALL_DOCUMENTS_TOKEN];
  for (const [field, value] of Object.entries(fields)) {
    const values = (Array.isArray(value) ? value : [value]).filter((element) => element !== null);
    if (values.length === 0) continue;
    tokens.push(presenceToken(field));
    for (const element of new Set(values)) tokens.push(equalityToken(field, element));
  }
  return tokens.join(' ');
}
