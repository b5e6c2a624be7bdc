import type { Services } from '../../runtime/context.ts';
import { countConnected } from '../../realtime/presence.ts';
import { MEMBERS, type ConversationDoc, type MemberDoc } from './conversations.ts';

/**
 * Occupancy: how many members of a conversation have a live realtime connection (online or away).
 * Counted from presence, one lookup per member; conversations above `OCCUPANCY_LIVE_MAX_MEMBERS`
 * are counted at most once per `OCCUPANCY_CACHE_MS` across the cluster (the count is kept in the
 * cache), so big channels cost a bounded amount however often they are asked.
 */
export const OCCUPANCY_LIVE_MAX_MEMBERS = 200;
export const OCCUPANCY_CACHE_MS = 10_000;
const PAGE = 1_000;

const cacheKey = (conversationId: string) => `caas:occ:${conversationId}`;

export function isBigConversation(conversation: Pick<ConversationDoc, 'memberCount'>): boolean {
  return conversation.memberCount > OCCUPANCY_LIVE_MAX_MEMBERS;
}

async function countMembersOnline(services: Services, conversation: ConversationDoc): Promise<number> {
  const members = services.ports.store.collection<MemberDoc>(MEMBERS);
  let online = 0;
  for (let after = ''; ; ) {
    const page = await members.find({ conversationId: conversation._id, userId: { $gt: after } }, { sort: { userId: 1 }, limit: PAGE, projection: { userId: 1 } });
    online += await countConnected(services.ports.cache, conversation.appId, page.map((member) => member.userId));
    if (page.length < PAGE) return online;
    after = page.at(-1)!.userId;
  }
}

export async function occupancyOf(services: Services, conversation: ConversationDoc): Promise<number> {
  if (!isBigConversation(conversation)) return countMembersOnline(services, conversation);
  const { cache } = services.ports;
  const cached = await cache.get(cacheKey(conversation._id));
  if (cached !== null) return Number(cached);
  const online = await countMembersOnline(services, conversation);
  await cache.set(cacheKey(conversation._id), String(online), { ttlMs: OCCUPANCY_CACHE_MS });
  return online;
}
