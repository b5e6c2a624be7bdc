import { SEARCH_LIMITS, type SearchFilter } from '../../infra/search/port.ts';
import type { FunctionContext } from '../../runtime/context.ts';
import { CONVERSATIONS, MEMBERS, callerAccess, type ConversationDoc, type MemberDoc } from '../conversations/conversations.ts';
import { EVERYONE } from './message-documents.ts';

/**
 * Which messages a caller may find, decided at query time from the store: a user (or a server
 * key acting for one) searches the conversations they are a member of right now, and sees
 * shadowed messages only when they wrote them; a server key acting as the app searches the
 * whole app. Nothing about membership is in the index, so leaving a conversation hides its
 * messages from the very next search.
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
  const audience: SearchFilter = viewerId === null ? {} : { audience: { in: [EVERYONE, viewerId] } };
  if (conversationId !== undefined) {
    // Members only (NOT_FOUND otherwise, as for another app's id): same rule as the whole-scope search.
    await callerAccess(ctx, conversationId);
    return { filter: { appId, conversationId, ...audience }, partial: false };
  }
  if (viewerId === null) return { filter: { appId }, partial: false };

  const { ids, partial } = await memberConversationIds(ctx, appId, viewerId);
  if (ids.length === 0) return { filter: null, partial: false };
  return { filter: { appId, conversationId: { in: ids }, ...audience }, partial };
}

async function memberConversationIds(ctx: FunctionContext, appId: string, userId: string): Promise<{ ids: string[]; partial: boolean }> {
  const { store } = ctx.ports;
  const memberships = await store.collection<MemberDoc>(MEMBERS).find({ appId, userId }, { projection: { conversationId: 1 } });
  const ids = memberships.map((member) => member.conversationId);
  const max = SEARCH_LIMITS.maxFilterValues;
  if (ids.length <= max) return { ids, partial: false };
  const recent = await store
    .collection<ConversationDoc>(CONVERSATIONS)
    .find({ _id: { $in: ids }, appId }, { sort: { lastActivityAt: -1 }, limit: max, projection: { _id: 1 } });
  return { ids: recent.map((conversation) => conversation._id), partial: true };
}
