import { SEARCH_LIMITS, type SearchFilter } from '../../infra/search/port.ts';
import type { FunctionContext } from '../../runtime/context.ts';
import { CONVERSATIONS, MEMBERS, callerAccess, type ConversationDoc, type MemberDoc } from '../conversations/conversations.ts';

/**
 * Which messages a caller may find, decided at query time from the store: a user (or a server
 * key acting for one) searches the conversations they are a member of right now; a server key
 * acting as the app searches the whole app. Nothing about membership is in the index, so leaving
 * a conversation hides its messages from the very next search.
 *
 * The app itself needs no condition: each app has its own index (search-indexes.ts). Shadowed
 * messages are not filtered here either but when results are read (message-search.ts): "not
 * shadowed, unless mine" has no cheap form as index conditions, and excluding all shadowed
 * messages would tell a shadow-banned author that their messages are hidden.
 */
export interface SearchScope {
  /** Conditions every hit must meet; null when the caller can see nothing (no conversations). */
  filter: SearchFilter | null;
  /**
   * True when the user belongs to more conversations than one search covers
   * (SEARCH_LIMITS.maxFilterValues) and only the most recently active ones were searched.
   */
  partial: boolean;
}

export async function searchScope(ctx: FunctionContext, appId: string, viewerId: string | null, conversationId: string | undefined): Promise<SearchScope> {
  if (conversationId !== undefined) {
    // Members only (NOT_FOUND otherwise, as for another app's id): same rule as the whole-scope search.
    await callerAccess(ctx, conversationId);
    return { filter: { conversationId }, partial: false };
  }
  if (viewerId === null) return { filter: {}, partial: false };

  const { ids, partial } = await memberConversationIds(ctx, appId, viewerId);
  if (ids.length === 0) return { filter: null, partial: false };
  return { filter: { conversationId: { in: ids } }, partial };
}

async function memberConversationIds(ctx: FunctionContext, appId: string, userId: string): Promise<{ ids: string[]; partial: boolean }> {
  const { store } = ctx.ports;
  const memberships = await store.collection<MemberDoc>(MEMBERS).find({ appId, userId }, { projection: { conversationId: 1 } });
  // Sorted: the list is part of the search a cursor belongs to, and store order is not stable.
  const ids = memberships.map((member) => member.conversationId).sort();
  const max = SEARCH_LIMITS.maxFilterValues;
  if (ids.length <= max) return { ids, partial: false };
  const recent = await store
    .collection<ConversationDoc>(CONVERSATIONS)
    .find({ _id: { $in: ids }, appId }, { sort: { lastActivityAt: -1 }, limit: max, projection: { _id: 1 } });
  return { ids: recent.map((conversation) => conversation._id).sort(), partial: true };
}
