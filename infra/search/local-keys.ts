import { createHash } from 'node:crypto';
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

function token(parts: unknown[]): string {
  const digest = createHash('sha256').update(JSON.stringify(parts)).digest();
  return `k${BigInt(`0x${digest.subarray(0, 12).toString('hex')}`)}`;
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
