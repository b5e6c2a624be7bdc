import type { Services } from '../../runtime/context.ts';
import { AppError, isAppError } from '../../runtime/errors.ts';
import { newId } from '../../runtime/ids.ts';
import { recordChange } from '../events/record-change.ts';
import { USERS, userKey, type UserDoc } from '../users/users.ts';
import { isBlockedBetween } from '../moderation/blocks.ts';
import {
  CONVERSATIONS,
  MEMBERS,
  directKeyOf,
  findMember,
  type ConversationDoc,
  type ConversationType,
  type MemberDoc,
  type MemberRole,
} from './conversations.ts';

export const MAX_INITIAL_MEMBERS = 500;

export function newMember(appId: string, conversationId: string, userId: string, role: MemberRole, now: number): MemberDoc {
  return {
    _id: `${conversationId}:${userId}`,
    appId,
    conversationId,
    userId,
    role,
    joinedAt: now,
    lastReadSeq: 0,
    lastReadAt: null,
    lastDeliveredSeq: 0,
    hidden: false,
    archived: false,
    mutedUntil: null,
  };
}

/** Every listed user must exist in the app; names the missing ones. */
export async function requireUsersExist(services: Services, appId: string, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  const found = await services.ports.store
    .collection<UserDoc>(USERS)
    .find({ _id: { $in: userIds.map((id) => userKey(appId, id)) }, appId }, { projection: { userId: 1 } });
  const present = new Set(found.map((user) => user.userId));
  const missing = userIds.filter((id) => !present.has(id));
  if (missing.length > 0) throw new AppError('NOT_FOUND', `Unknown users: ${missing.slice(0, 10).join(', ')}`);
}

export interface CreateConversationInput {
  type: ConversationType;
  /** Other members; the creator is added as owner (for direct: exactly one other user). */
  memberIds: string[];
  name?: string | null;
  image?: string | null;
  custom?: Record<string, unknown>;
  messageTtlSeconds?: number | null;
}

/**
 * Creates a conversation. Direct conversations are unique per pair: asking again returns the
 * existing one (`created: false`), even when two requests race.
 */
export async function createConversation(
  services: Services,
  appId: string,
  creatorId: string | null,
  input: CreateConversationInput,
): Promise<{ conversation: ConversationDoc; created: boolean }> {
  const { store } = services.ports;
  const memberIds = [...new Set(input.memberIds.filter((id) => id !== creatorId))];
  if (memberIds.length + 1 > MAX_INITIAL_MEMBERS) throw new AppError('LIMIT_EXCEEDED', `At most ${MAX_INITIAL_MEMBERS} initial members`);

  let directKey: string | null = null;
  if (input.type === 'direct') {
    const pair = creatorId === null ? input.memberIds : [creatorId, ...memberIds];
    const unique = [...new Set(pair)];
    if (unique.length !== 2) throw new AppError('VALIDATION_FAILED', 'A direct conversation has exactly two distinct users', { issues: [{ path: 'body.memberIds', message: 'needs exactly one other user' }] });
    directKey = directKeyOf(unique[0]!, unique[1]!);
    const existing = await store.collection<ConversationDoc>(CONVERSATIONS).findOne({ appId, uniqueKey: directKey });
    if (existing) return { conversation: existing, created: false };
    if (await isBlockedBetween(services, appId, unique[0]!, unique[1]!)) {
      throw new AppError('FORBIDDEN', 'One of these users has blocked the other');
    }
  }
  const everyone = input.type === 'direct' && creatorId === null ? [...new Set(input.memberIds)] : [...(creatorId ? [creatorId] : []), ...memberIds];
  await requireUsersExist(services, appId, everyone);

  const now = services.clock.now();
  const id = newId('conv', now);
  const conversation: ConversationDoc = {
    _id: id,
    appId,
    type: input.type,
    name: input.name ?? null,
    image: input.image ?? null,
    custom: input.custom ?? {},
    directKey,
    uniqueKey: directKey ?? id,
    createdBy: creatorId,
    createdAt: now,
    updatedAt: now,
    lastActivityAt: now,
    lastMessage: null,
    memberCount: everyone.length,
    slowModeSeconds: 0,
    messageTtlSeconds: input.messageTtlSeconds ?? null,
  };
  const members = everyone.map((userId) =>
    newMember(appId, conversation._id, userId, input.type !== 'direct' && userId === creatorId ? 'owner' : 'member', now),
  );
  // The unique direct index is the arbiter of races: the loser returns the winner's conversation.
  try {
    await store.collection<ConversationDoc>(CONVERSATIONS).insertOne(conversation);
  } catch (error) {
    if (isAppError(error) && error.code === 'CONFLICT' && directKey) {
      const winner = await store.collection<ConversationDoc>(CONVERSATIONS).findOne({ appId, uniqueKey: directKey });
      if (winner) return { conversation: winner, created: false };
    }
    throw error;
  }
  await store.collection<MemberDoc>(MEMBERS).insertMany(members);
  await recordChange(services, {
    appId,
    conversationId: conversation._id,
    type: 'conversation.created',
    actorId: creatorId,
    payload: { conversation, members },
  });
  return { conversation, created: true };
}

export interface ConversationChanges {
  name?: string | null;
  image?: string | null;
  custom?: Record<string, unknown>;
  slowModeSeconds?: number;
  messageTtlSeconds?: number | null;
}

export async function updateConversation(services: Services, conversation: ConversationDoc, actorId: string | null, changes: ConversationChanges): Promise<ConversationDoc> {
  if (conversation.type === 'direct' && (changes.name !== undefined || changes.slowModeSeconds !== undefined)) {
    throw new AppError('BAD_REQUEST', 'Direct conversations have no name or slow mode');
  }
  const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
  if (Object.keys(defined).length === 0) return conversation;
  await recordChange(services, { appId: conversation.appId, conversationId: conversation._id, type: 'conversation.updated', actorId, payload: { changes: defined } });
  return { ...conversation, ...defined, updatedAt: services.clock.now() };
}

export async function addMembers(
  services: Services,
  conversation: ConversationDoc,
  actorId: string | null,
  userIds: string[],
  role: MemberRole = 'member',
): Promise<MemberDoc[]> {
  if (conversation.type === 'direct') throw new AppError('BAD_REQUEST', 'Direct conversations always have exactly two members');
  const unique = [...new Set(userIds)];
  await requireUsersExist(services, conversation.appId, unique);
  const added: MemberDoc[] = [];
  for (const userId of unique) {
    if (await findMember(services.ports.store, conversation._id, userId)) continue;
    const member = newMember(conversation.appId, conversation._id, userId, role, services.clock.now());
    await recordChange(services, { appId: conversation.appId, conversationId: conversation._id, type: 'member.added', actorId, payload: { member } });
    added.push(member);
  }
  return added;
}

export async function removeMember(services: Services, conversation: ConversationDoc, actorId: string | null, userId: string): Promise<void> {
  const member = await findMember(services.ports.store, conversation._id, userId);
  if (!member) throw new AppError('NOT_FOUND', `${userId} is not a member of this conversation`);
  if (conversation.type === 'direct') throw new AppError('BAD_REQUEST', 'Members cannot leave or be removed from a direct conversation; hide it instead');
  await recordChange(services, { appId: conversation.appId, conversationId: conversation._id, type: 'member.removed', actorId, payload: { userId } });
}

export async function updateMember(
  services: Services,
  conversation: ConversationDoc,
  actorId: string | null,
  userId: string,
  changes: Partial<Pick<MemberDoc, 'role' | 'mutedUntil' | 'hidden' | 'archived'>>,
): Promise<MemberDoc> {
  const member = await findMember(services.ports.store, conversation._id, userId);
  if (!member) throw new AppError('NOT_FOUND', `${userId} is not a member of this conversation`);
  const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
  await recordChange(services, { appId: conversation.appId, conversationId: conversation._id, type: 'member.updated', actorId, payload: { userId, changes: defined } });
  return { ...member, ...defined };
}
