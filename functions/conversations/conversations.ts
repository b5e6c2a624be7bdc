import type { IndexDeclaration, StorePort } from '../../infra/store/port.ts';
import { actingUserId, callerAppId } from '../../runtime/auth/authenticate.ts';
import type { Caller, Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';

/** Conversations and their members: the unit of permission and ordering. */
export type ConversationType = 'direct' | 'group' | 'channel';
export type MemberRole = 'owner' | 'admin' | 'member';

export interface LastMessage {
  id: string;
  seq: number;
  authorId: string | null;
  text: string;
  createdAt: number;
}

export interface ConversationDoc {
  _id: string;
  appId: string;
  type: ConversationType;
  name: string | null;
  image: string | null;
  custom: Record<string, unknown>;
  /** Direct conversations: the two user ids, sorted and joined, unique per app. */
  directKey: string | null;
  /**
   * Unique per app: the direct key for direct conversations, the conversation's own id otherwise.
   * A plain unique index on it needs no partial filter, which not every MongoDB-wire store honours
   * (FerretDB builds partial indexes without their filter, so a unique index on a nullable
   * directKey would refuse the second group conversation).
   */
  uniqueKey: string;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  /** Last activity, for "my conversations" ordering: creation, then each new message. */
  lastActivityAt: number;
  lastMessage: LastMessage | null;
  memberCount: number;
  /** Seconds a member must wait between two messages; 0 = off. Owners and admins are exempt. */
  slowModeSeconds: number;
  /** Disappearing messages: new messages expire this many seconds after sending; null (or absent) = off. */
  messageTtlSeconds?: number | null;
  [key: string]: unknown;
}

export interface MemberDoc {
  /** `${conversationId}:${userId}` */
  _id: string;
  appId: string;
  conversationId: string;
  userId: string;
  role: MemberRole;
  joinedAt: number;
  lastReadSeq: number;
  lastReadAt: number | null;
  lastDeliveredSeq: number;
  /** Hidden until the next message arrives. */
  hidden: boolean;
  /** Archived until unarchived; new messages do not bring it back. */
  archived: boolean;
  /** Set by moderators: the member may read but not send until then. */
  mutedUntil: number | null;
  [key: string]: unknown;
}

export const CONVERSATIONS = 'conversations';
export const MEMBERS = 'members';

export const conversationIndexes: IndexDeclaration[] = [
  {
    collection: CONVERSATIONS,
    specs: [
      { keys: { appId: 1, uniqueKey: 1 }, unique: true },
      { keys: { appId: 1, type: 1, lastActivityAt: -1 } },
    ],
  },
  {
    collection: MEMBERS,
    specs: [
      { keys: { conversationId: 1, userId: 1 }, unique: true },
      { keys: { appId: 1, userId: 1 } },
      // New messages look for hidden members to bring the conversation back to (hidden-members.ts): a lookup, not a scan of a big channel.
      { keys: { conversationId: 1, hidden: 1 } },
    ],
  },
];

export function memberKey(conversationId: string, userId: string): string {
  return `${conversationId}:${userId}`;
}

export function directKeyOf(a: string, b: string): string {
  return [a, b].sort().join('|');
}

export async function findConversation(store: StorePort, appId: string, conversationId: string): Promise<ConversationDoc | null> {
  return store.collection<ConversationDoc>(CONVERSATIONS).findOne({ _id: conversationId, appId });
}

export async function findMember(store: StorePort, conversationId: string, userId: string): Promise<MemberDoc | null> {
  return store.collection<MemberDoc>(MEMBERS).findOne({ _id: memberKey(conversationId, userId) });
}

/**
 * What the caller may do in a conversation. A server key acting as the app may do everything;
 * acting on behalf of a user, it has that user's rights. Non-members of a conversation learn
 * nothing about it: NOT_FOUND, as for another app's ids.
 */
export interface Access {
  conversation: ConversationDoc;
  /** The acting user, or null for the app itself. */
  userId: string | null;
  member: MemberDoc | null;
  /** Owner/admin of the conversation, app-level admin user, or the app itself. */
  isModerator: boolean;
  isOwner: boolean;
}

/** Where access reads its conversation and member rows from: the store, or the read cache. */
interface AccessReads {
  conversation(appId: string, conversationId: string): Promise<ConversationDoc | null>;
  member(conversationId: string, userId: string): Promise<MemberDoc | null>;
}

const storeReads = (store: StorePort): AccessReads => ({
  conversation: (appId, conversationId) => findConversation(store, appId, conversationId),
  member: (conversationId, userId) => findMember(store, conversationId, userId),
});

const conversationReadKey = (conversationId: string) => `conversation:${conversationId}`;
const memberReadKey = (conversationId: string, userId: string) => `member:${conversationId}:${userId}`;

const cachedReads = (services: Pick<Services, 'ports' | 'reads'>): AccessReads => ({
  async conversation(appId, conversationId) {
    const conversation = await services.reads.read(conversationReadKey(conversationId), () =>
      services.ports.store.collection<ConversationDoc>(CONVERSATIONS).findOne({ _id: conversationId }),
    );
    return conversation?.appId === appId ? conversation : null;
  },
  member: (conversationId, userId) => services.reads.read(memberReadKey(conversationId, userId), () => findMember(services.ports.store, conversationId, userId)),
});

/** Projections call these once a change to the rows access reads has committed. */
export function conversationChanged(services: Pick<Services, 'reads'>, conversationId: string): Promise<void> {
  return services.reads.invalidate(conversationReadKey(conversationId));
}

export function memberChanged(services: Pick<Services, 'reads'>, conversationId: string, userId: string): Promise<void> {
  return services.reads.invalidate(memberReadKey(conversationId, userId));
}

async function resolveAccess(
  reads: AccessReads,
  caller: Caller,
  appId: string,
  userId: string | null,
  conversationId: string,
  options: { allowNonMemberChannel?: boolean },
): Promise<Access> {
  const conversation = await reads.conversation(appId, conversationId);
  if (!conversation) throw new AppError('NOT_FOUND', `Conversation ${conversationId} not found`);
  if (userId === null) {
    if (caller.kind !== 'server') throw new AppError('FORBIDDEN', 'A user is required for this call');
    return { conversation, userId: null, member: null, isModerator: true, isOwner: true };
  }
  const member = await reads.member(conversationId, userId);
  if (!member && !(options.allowNonMemberChannel && conversation.type === 'channel')) {
    throw new AppError('NOT_FOUND', `Conversation ${conversationId} not found`);
  }
  const role = member?.role;
  return {
    conversation,
    userId,
    member,
    isModerator: role === 'owner' || role === 'admin',
    isOwner: role === 'owner',
  };
}

export async function accessConversation(
  store: StorePort,
  caller: Caller,
  appId: string,
  userId: string | null,
  conversationId: string,
  options: { allowNonMemberChannel?: boolean } = {},
): Promise<Access> {
  return resolveAccess(storeReads(store), caller, appId, userId, conversationId, options);
}

export function requireModerator(access: Access, action: string): void {
  if (!access.isModerator) throw new AppError('FORBIDDEN', `Only owners and admins may ${action}`);
}

export function requireMember(access: Access): MemberDoc {
  if (!access.member) throw new AppError('FORBIDDEN', 'Only members may do this');
  return access.member;
}

/** Access for the caller of a function: its app, the user it acts as. */
export async function callerAccess(
  ctx: { ports: { store: StorePort }; caller: Caller },
  conversationId: string,
  options: { allowNonMemberChannel?: boolean } = {},
): Promise<Access> {
  return accessConversation(ctx.ports.store, ctx.caller, callerAppId(ctx.caller), actingUserId(ctx.caller), conversationId, options);
}

/**
 * callerAccess from the read cache, for hot write paths (sending) that judge by the policy fields
 * only: type, membership, roles, mutes, slow mode. Those are dropped from the cache as they change
 * (conversationChanged, memberChanged); the activity fields (lastMessage, lastActivityAt,
 * memberCount, read markers) of the rows it returns may be up to CAAS_READ_CACHE_TTL_MS old.
 */
export async function policyAccess(
  ctx: Pick<Services, 'ports' | 'reads'> & { caller: Caller },
  conversationId: string,
  options: { allowNonMemberChannel?: boolean } = {},
): Promise<Access> {
  return resolveAccess(cachedReads(ctx), ctx.caller, callerAppId(ctx.caller), actingUserId(ctx.caller), conversationId, options);
}
