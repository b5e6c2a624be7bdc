import type { Filter } from '../../infra/store/port.ts';
import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
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
  const range = forward ? { $gt: query.after } : query.before !== undefined ? { $lt: query.before } : undefined;
  const filter: Filter = {
    ...(scope.parentId === null ? { conversationId: scope.conversationId } : { parentId: scope.parentId }),
    ...(range ? { seq: range } : {}),
    ...(scope.parentId === null ? { parentId: null } : {}),
  };
  // One more than asked tells whether another page exists.
  const rows = await services.ports.store
    .collection<MessageDoc>(MESSAGES)
    .find(filter, { sort: { seq: forward ? 1 : -1 }, limit: query.limit + 1 });
  const hasMore = rows.length > query.limit;
  const page = rows.slice(0, query.limit).filter((message) => visibleTo(message, viewerId));
  if (!forward) page.reverse();
  const mine = viewerId ? await ownReactions(services, viewerId, page.map((message) => message._id)) : new Map<string, string[]>();
  const first = page[0]?.seq ?? null;
  const last = page.at(-1)?.seq ?? null;
  return {
    messages: page.map((message) => toMessageView(message, mine.get(message._id))),
    prevCursor: forward ? (first ?? query.after ?? null) : hasMore ? first : null,
    nextCursor: forward ? (hasMore ? last : null) : query.before !== undefined ? (last ?? query.before - 1) : null,
  };
}
