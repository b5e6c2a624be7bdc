/**
 * Which conversations carry presence pushes. Telling every member of a 10 000-member channel
 * each time anyone connects would cost N² frames as a channel fills up, so presence is pushed
 * only in direct conversations and in groups up to `presenceMaxMembers`; in larger ones clients
 * ask with `presence.query` for the users they show.
 */
import { conversationShapes, type ConversationShape } from '../functions/conversations/memberships.ts';
import type { StorePort } from '../infra/store/port.ts';

type Shape = Pick<ConversationShape, 'type' | 'memberCount'>;

export function pushesPresence(conversation: Shape, maxMembers: number): boolean {
  return conversation.type === 'direct' || (conversation.type === 'group' && conversation.memberCount <= maxMembers);
}

/** The subset of `conversationIds` (all of one app) whose members are told about each other's presence. */
export async function presenceScope(store: StorePort, appId: string, conversationIds: string[], maxMembers: number): Promise<string[]> {
  const rows = await conversationShapes(store, appId, conversationIds);
  return rows.filter((row) => pushesPresence(row, maxMembers)).map((row) => row._id);
}
