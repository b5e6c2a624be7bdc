import type { Filter } from '../../infra/store/port.ts';
import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import { currentSequence } from '../events/events.ts';
import { topLevelByBlocks } from './message-blocks.ts';
import { MESSAGES, type MessageDoc } from './messages.ts';
import { ownReactions } from './reactions.ts';
import { toMessageView, visibleTo, type MessageView } from './message-views.ts';

/**
 * History by per-conversation sequence: `before` pages back from the newest, `after` pages
 * forward; both are stable under concurrent sends because sequences never move.
 */
export interface HistoryQuery {
  before?: number;
  after?: number;
  limit: number;
}

export interface HistoryPage {
  messages: MessageView[];
  /** Pass as `before` for the previous page; null at the start of the conversation. */
  prevCursor: number | null;
  /** Pass as `after` for the next page; null when this page reached the newest message. */
  nextCursor: number | null;
}

export async function messagePage(
  services: Services,
  scope: { conversationId: string; parentId: string | null },
  viewerId: string | null,
  query: HistoryQuery,
): Promise<HistoryPage> {
  if (query.before !== undefined && query.after !== undefined) throw new AppError('BAD_REQUEST', 'Use either before or after, not both');
  const forward = query.after !== undefined;
  // One more than asked tells whether another page exists.
  const rows = await pageRows(services, scope, query, forward);
  const hasMore = rows.length > query.limit;
  const page = rows.slice(0, query.limit).filter((message) => visibleTo(message, viewerId));
  if (!forward) page.reverse();
  const mine = viewerId ? await ownReactions(services, viewerId, page) : new Map<string, string[]>();
  const first = page[0]?.seq ?? null;
  const last = page.at(-1)?.seq ?? null;
  return {
    messages: page.map((message) => toMessageView(message, mine.get(message._id))),
    prevCursor: forward ? (first ?? query.after ?? null) : hasMore ? first : null,
    nextCursor: forward ? (hasMore ? last : null) : query.before !== undefined ? (last ?? query.before - 1) : null,
  };
}

/**
 * The page's rows and one more, nearest the cursor first. A thread pages by its own filter on every
 * store: its replies are few, and sparse in the conversation's sequence, so blocks would mostly
 * hold other messages.
 */
function pageRows(services: Services, scope: { conversationId: string; parentId: string | null }, query: HistoryQuery, forward: boolean): Promise<MessageDoc[]> {
  const limit = query.limit + 1;
  if (scope.parentId === null && services.ports.store.capabilities.rangeScans === false) return pageRowsByBlocks(services, scope.conversationId, query, forward, limit);
  const range = forward ? { $gt: query.after } : query.before !== undefined ? { $lt: query.before } : undefined;
  const filter: Filter = {
    ...(scope.parentId === null ? { conversationId: scope.conversationId, parentId: null } : { parentId: scope.parentId }),
    ...(range ? { seq: range } : {}),
  };
  return services.ports.store.collection<MessageDoc>(MESSAGES).find(filter, { sort: { seq: forward ? 1 : -1 }, limit });
}

/** The same rows on a store without range scans: the seq blocks nearest the cursor (message-blocks.ts). */
async function pageRowsByBlocks(services: Services, conversationId: string, query: HistoryQuery, forward: boolean, limit: number): Promise<MessageDoc[]> {
  const last = await currentSequence(services, conversationId);
  return topLevelByBlocks(services, conversationId, {
    direction: forward ? 'up' : 'down',
    start: forward ? query.after! + 1 : Math.min(last, (query.before ?? Infinity) - 1),
    end: forward ? last : 1,
    limit,
  });
}
