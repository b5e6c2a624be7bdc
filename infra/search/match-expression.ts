import { AppError } from '../../runtime/errors.ts';

/**
 * Turns plain user text into words, and words into an FTS5 MATCH expression in which every word
 * is a quoted string. The caller's text therefore never reaches the FTS5 query parser as syntax:
 * `"foo" OR bar*`, `NEAR(`, `-x` and `col:` are just the words foo, or, bar, near, x, col.
 */

// A word is a run of letters, digits, private-use characters and combining marks: the same
// characters FTS5's unicode61 tokenizer keeps, so the words we see are the words it indexes.
const WORD = /\p{M}*[\p{L}\p{N}\p{Co}][\p{L}\p{N}\p{Co}\p{M}]*/gu;

export function queryWords(text: string): string[] {
  return text.normalize('NFC').match(WORD) ?? [];
}

/** The query's words; BAD_REQUEST when none is left. Every adapter builds its query from these. */
export function searchableWords(adapter: string, text: string): string[] {
  const words = queryWords(text);
  if (words.length === 0) {
    throw new AppError('BAD_REQUEST', `[${adapter}] the query has no searchable words`, {
      issues: [{ path: 'text', message: 'must contain at least one letter or digit' }],
    });
  }
  return words;
}

/** Words ANDed; the last one as a prefix when asked. Throws BAD_REQUEST when no word is left. */
export function matchExpression(adapter: string, text: string, prefix: boolean): string {
  const words = searchableWords(adapter, text);
  const quoted = words.map((word) => `"${word.replaceAll('"', '""')}"`);
  if (prefix) quoted[quoted.length - 1] += '*';
  return quoted.join(' AND ');
}

/**
 * Text as stored for indexing and highlighting: NFC so composed and decomposed accents index
 * alike, and without C0 control characters, which the highlighter uses as match markers.
 */
export function indexableText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.normalize('NFC').replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, ' ');
}
