/**
 * Highlight rendering: FTS5 snippet() wraps matches in two control characters that stored text
 * cannot contain (see indexableText); everything else is HTML-escaped, so a stored `<script>`
 * comes back as text and the only markup in a highlight is ours.
 */
export const MATCH_START = '\u0002';
export const MATCH_END = '\u0003';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function renderHighlight(snippet: string): string {
  return snippet
    .replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char)
    .replaceAll(MATCH_START, '<mark>')
    .replaceAll(MATCH_END, '</mark>');
}
