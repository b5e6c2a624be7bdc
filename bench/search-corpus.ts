import type { SearchDocument, SearchFilter } from '../infra/search/port.ts';
import { seededRandom as random } from '../tests/support/seeded-random.ts';

/**
 * A synthetic, reproducible chat corpus for the search benchmark: message words drawn from a
 * Zipf-distributed vocabulary (as in natural language, a few words are everywhere and most are
 * rare), messages spread over conversations and authors, documents shaped exactly as the search
 * indexer writes them (functions/search/message-documents.ts). The same seed yields the same
 * messages and queries, so every engine in a run indexes and answers the same thing.
 */
export const CORPUS = {
  vocabulary: 30_000,
  conversations: 10_000,
  authors: 1_000,
  appId: 'app_bench',
  /** Conversations a typical user belongs to, and a heavy user. */
  typicalScope: 50,
  heavyScope: 1_000,
} as const;


const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'be', 'da', 'fo', 'gu', 'ha', 'ji', 'pe', 'qu', 'ro', 'ti', 'wu', 'ze', 'an', 'el', 'is', 'or', 'um'];

function buildVocabulary(): string[] {
  const next = random(7);
  const words = new Set<string>();
  while (words.size < CORPUS.vocabulary) {
    const length = 2 + Math.floor(next() * 3);
    let word = '';
    for (let i = 0; i < length; i++) word += SYLLABLES[Math.floor(next() * SYLLABLES.length)];
    words.add(word);
  }
  return [...words];
}

export const vocabulary = buildVocabulary();

/** Cumulative Zipf weights (s = 1.07), sampled by binary search. */
const cumulative = (() => {
  const weights = vocabulary.map((_, rank) => 1 / (rank + 1) ** 1.07);
  const total = weights.reduce((a, b) => a + b, 0);
  let sum = 0;
  return weights.map((weight) => (sum += weight) / total);
})();

function zipfWord(next: () => number): string {
  const target = next();
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (cumulative[middle]! < target) low = middle + 1;
    else high = middle;
  }
  return vocabulary[low]!;
}

const START = Date.UTC(2026, 0, 1);

/** Messages [from, from + count) of the corpus, deterministic by position. */
export function messageBatch(from: number, count: number): SearchDocument[] {
  const documents: SearchDocument[] = [];
  for (let n = from; n < from + count; n++) {
    const next = random(n * 2_654_435_761);
    const words = Array.from({ length: 4 + Math.floor(next() * 16) }, () => zipfWord(next));
    const id = `msg_${n}`;
    const parent = next() < 0.1 && n > 100 ? `msg_${n - 1 - Math.floor(next() * 100)}` : null;
    documents.push({
      id,
      version: 1,
      text: words.join(' '),
      fields: {
        appId: CORPUS.appId,
        conversationId: `conv_${Math.floor(next() * CORPUS.conversations)}`,
        authorId: `user_${Math.floor(next() * CORPUS.authors)}`,
        createdAt: START + n * 1_000,
        type: 'regular',
        hasAttachment: next() < 0.05,
        parentId: parent,
        threadId: parent ?? id,
        isReply: parent !== null,
        shadowed: false,
      },
    });
  }
  return documents;
}

export type QueryKind = 'user, 50 conversations' | 'user, 1000 conversations' | 'one conversation' | 'whole app (server key)';
export const QUERY_KINDS: QueryKind[] = ['user, 50 conversations', 'user, 1000 conversations', 'one conversation', 'whole app (server key)'];

export interface BenchQuery {
  text: string;
  /** Exactly the filter GET /v1/search/messages builds for this kind of caller. */
  filter: SearchFilter;
  /** The same scope, for the raw FTS5 baseline. */
  conversations: string[] | null;
}

function conversationSample(next: () => number, size: number): string[] {
  const picked = new Set<string>();
  while (picked.size < size) picked.add(`conv_${Math.floor(next() * CORPUS.conversations)}`);
  return [...picked];
}

/**
 * Query i of a kind: one or two words a user would type, searched as-you-type (the last word a
 * 3-5 letter prefix half of the time). Words are drawn from ranks 20-3000: neither stop-word-like
 * nor absent.
 */
export function benchQuery(kind: QueryKind, i: number): BenchQuery {
  const next = random(1_000_003 * (QUERY_KINDS.indexOf(kind) + 1) + i);
  const word = () => vocabulary[20 + Math.floor(next() * 2_980)]!;
  const last = word();
  const text = next() < 0.5 ? `${word()} ${last.slice(0, 3 + Math.floor(next() * 3))}` : last;
  switch (kind) {
    case 'user, 50 conversations':
    case 'user, 1000 conversations': {
      const conversations = conversationSample(next, kind === 'user, 50 conversations' ? CORPUS.typicalScope : CORPUS.heavyScope);
      return { text, filter: { conversationId: { in: conversations } }, conversations };
    }
    case 'one conversation': {
      const conversations = conversationSample(next, 1);
      return { text, filter: { conversationId: conversations[0]! }, conversations };
    }
    case 'whole app (server key)':
      return { text, filter: {}, conversations: null };
  }
}
