import type { SearchFilter, SearchHit, SearchPage } from '../../infra/search/port.ts';
import { actingUserId, callerAppId } from '../../runtime/auth/authenticate.ts';
import type { FunctionContext } from '../../runtime/context.ts';
import { MESSAGES, type MessageDoc } from '../messages/messages.ts';
import { toMessageView, visibleTo, type MessageView } from '../messages/message-views.ts';
import { ownReactions } from '../messages/reactions.ts';
import { searchScope } from './search-scope.ts';
import { toSearchApiError } from './search-errors.ts';
import { withIndexes } from './search-indexes.ts';

/**
 * Full-text message search: relevance-ranked (bm25 / Elasticsearch scoring), the last word as a
 * prefix (search-as-you-type), English stemming with case and accents folded (the search port's
 * analysis). The user's text reaches the port as plain text, never as query syntax.
 *
 * Results are message views read from the store, not the indexed copy, so an edit or delete is
 * reflected even before the indexer has caught up. Hits the caller may not see are dropped from
 * the page: messages deleted since, and shadowed messages of other authors (a page may then hold
 * fewer than `limit` results while `nextCursor` still leads on). `highlight` is the indexed text
 * around the match, HTML-escaped, matches in <mark>.
 */
export interface MessageSearchQuery {
  q: string;
  conversationId?: string;
  authorId?: string;
  from?: number;
  to?: number;
  hasAttachment?: boolean;
  threadId?: string;
  limit: number;
  cursor?: string;
}

export interface MessageSearchResult {
  message: MessageView;
  highlight: string;
  score: number;
}

export interface MessageSearchPage {
  results: MessageSearchResult[];
  nextCursor: string | null;
  partial: boolean;
}

function refinements(query: MessageSearchQuery): SearchFilter {
  const filter: SearchFilter = {};
  if (query.authorId !== undefined) filter.authorId = query.authorId;
  if (query.hasAttachment !== undefined) filter.hasAttachment = query.hasAttachment;
  if (query.threadId !== undefined) filter.threadId = query.threadId;
  if (query.from !== undefined || query.to !== undefined) {
    filter.createdAt = { ...(query.from !== undefined ? { gte: query.from } : {}), ...(query.to !== undefined ? { lte: query.to } : {}) };
  }
  return filter;
}

export async function searchMessages(ctx: FunctionContext, query: MessageSearchQuery): Promise<MessageSearchPage> {
  const appId = callerAppId(ctx.caller);
  const viewerId = actingUserId(ctx.caller);
  const scope = await searchScope(ctx, appId, viewerId, query.conversationId);
  if (scope.filter === null) return { results: [], nextCursor: null, partial: false };
  const filter = { ...refinements(query), ...scope.filter };

  let page: SearchPage;
  try {
    page = await withIndexes(ctx, appId, (state) =>
      ctx.ports.search.query(state.current, {
        text: query.q,
        prefix: true,
        filter,
        limit: query.limit,
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      }),
    );
  } catch (error) {
    throw toSearchApiError(error, query.cursor !== undefined);
  }
  return { results: await hydrate(ctx, appId, viewerId, page.hits), nextCursor: page.nextCursor, partial: scope.partial };
}

async function hydrate(ctx: FunctionContext, appId: string, viewerId: string | null, hits: SearchHit[]): Promise<MessageSearchResult[]> {
  if (hits.length === 0) return [];
  const ids = hits.map((hit) => hit.id);
  const rows = await ctx.ports.store.collection<MessageDoc>(MESSAGES).find({ _id: { $in: ids }, appId });
  const byId = new Map(rows.map((row) => [row._id, row]));
  const mine = viewerId ? await ownReactions(ctx, viewerId, rows) : new Map<string, string[]>();
  return hits.flatMap((hit) => {
    const message = byId.get(hit.id);
    if (!message || message.deletedAt !== null || !visibleTo(message, viewerId)) return [];
    return [{ message: toMessageView(message, mine.get(message._id)), highlight: hit.highlight, score: hit.score }];
  });
}
