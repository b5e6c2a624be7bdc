import { z } from 'zod';
import { SEARCH_LIMITS } from '../../infra/search/port.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { ConversationId } from '../conversations/conversation-views.ts';
import { MessageId, MessageView } from '../messages/message-views.ts';
import { UserId } from '../users/users.ts';
import { searchMessages } from './message-search.ts';

/** Epoch milliseconds, or an ISO 8601 date / date-time (UTC unless an offset is given). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const Instant = z.string().transform((value, ctx) => {
  const ms = /^\d{1,15}$/.test(value) ? Number(value) : ISO_INSTANT.test(value) ? Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value) : Number.NaN;
  if (Number.isFinite(ms)) return ms;
  ctx.addIssue({ code: 'custom', message: 'must be epoch milliseconds or an ISO 8601 date or date-time' });
  return z.NEVER;
});

// The same characters the search port counts as word characters: a query without one has nothing to match.
const WORD_CHARACTER = /[\p{L}\p{N}\p{Co}]/u;

export const MessageSearchQuery = z
  .strictObject({
    q: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(SEARCH_LIMITS.maxQueryLength, `at most ${SEARCH_LIMITS.maxQueryLength} characters`)
      .regex(WORD_CHARACTER, 'must contain at least one letter or digit'),
    conversationId: ConversationId.optional(),
    authorId: UserId.optional(),
    from: Instant.optional(),
    to: Instant.optional(),
    hasAttachment: z.enum(['true', 'false'], { error: 'must be true or false' }).transform((value) => value === 'true').optional(),
    threadId: MessageId.optional(),
    limit: z.coerce.number().int().min(1).max(SEARCH_LIMITS.maxLimit).default(20),
    cursor: z.string().max(1024).regex(/^[A-Za-z0-9_-]+$/, 'malformed cursor').optional(),
  })
  .refine((query) => query.from === undefined || query.to === undefined || query.from <= query.to, { path: ['to'], message: 'must not be before from' });

export const MessageSearchPageView = z.object({
  results: z.array(z.object({ message: MessageView, highlight: z.string(), score: z.number() })),
  nextCursor: z.string().nullable(),
  partial: z.boolean(),
});

export default defineFunction({
  name: 'search.messages',
  method: 'GET',
  path: '/v1/search/messages',
  auth: 'server-or-user',
  summary: 'Full-text search of messages in the conversations the caller belongs to',
  description: [
    'Words are ANDed, ranked by relevance; the last word matches as a prefix; English stemming, case and accents folded.',
    'Punctuation and operators in `q` are plain text. A user (or a server key with X-On-Behalf-Of) searches the conversations',
    'they are a member of at query time; a server key alone searches the whole app. `from`/`to` (inclusive) take epoch ms or',
    'ISO 8601. `threadId` returns a thread root and its replies. Results are current message views; `highlight` is HTML-escaped',
    'text with matches in <mark>. `partial` is true when the user belongs to more conversations than one search covers and only',
    'the most recently active ones were searched. New messages are searchable within about a second.',
  ].join(' '),
  tags: ['search'],
  query: MessageSearchQuery,
  response: MessageSearchPageView,
  noStore: true,
  handler: async ({ query }, ctx) => searchMessages(ctx, query),
});
