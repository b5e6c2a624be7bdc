import type { StorePort } from '../../infra/store/port.ts';
import { CONVERSATIONS, MEMBERS, memberKey, type ConversationDoc, type MemberDoc } from './conversations.ts';

/**
 * Membership questions the realtime tier asks on connect and per frame; answered here so that no
 * other tier reads the conversation collections itself.
 */
export async function isMember(store: StorePort, appId: string, conversationId: string, userId: string): Promise<boolean> {
  return (await store.collection<MemberDoc>(MEMBERS).findOne({ _id: memberKey(conversationId, userId), appId })) !== null;
}

/** Ids of every conversation the user is a member of. */
export async function conversationIdsOf(store: StorePort, appId: string, userId: string): Promise<string[]> {
  const rows = await store.collection<MemberDoc>(MEMBERS).find({ appId, userId }, { projection: { conversationId: 1 } });
  return rows.map((row) => row.conversationId);
}

/** Every (user, conversation) membership of the given users in the app. */
export async function membershipsOf(store: StorePort, appId: string, userIds: string[]): Promise<Array<{ userId: string; conversationId: string }>> {
  const rows = await store
    .collection<MemberDoc>(MEMBERS)
    .find({ appId, userId: { $in: [...new Set(userIds)] } }, { projection: { userId: 1, conversationId: 1 } });
  return rows.map((row) => ({ userId: row.userId, conversationId: row.conversationId }));
}

export type ConversationShape = Pick<ConversationDoc, '_id' | 'type' | 'memberCount'>;

/** Type and size of the given conversations of one app (missing ones are left out). */
export async function conversationShapes(store: StorePort, appId: string, conversationIds: string[]): Promise<ConversationShape[]> {
  if (conversationIds.length === 0) return [];
  const rows = await store
    .collection<ConversationDoc>(CONVERSATIONS)
    .find({ _id: { $in: conversationIds }, appId }, { projection: { type: 1, memberCount: 1 } });
  return rows.map((row) => ({ _id: row._id, type: row.type, memberCount: row.memberCount }));
}
