import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import { CONVERSATIONS, MEMBERS, type ConversationDoc, type MemberDoc } from './conversations.ts';
import { toConversationView, type ConversationView } from './conversation-views.ts';
import { unreadCount } from './receipts.ts';

/** "My conversations": by last activity, newest first, with unread counts and the last message. */
export interface ListQuery {
  limit: number;
  cursor?: string;
  archived: boolean;
  type?: 'direct' | 'group' | 'channel';
}

interface Cursor {
  at: number;
  id: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'number' && typeof id === 'string') return { at, id };
  } catch {
    // fall through to the clear error below
  }
  throw new AppError('BAD_REQUEST', 'cursor is malformed; pass back the nextCursor of a previous page');
}

/** Memberships are read whole (a user belongs to at most thousands); conversations are paged. */
export async function listMyConversations(
  services: Services,
  appId: string,
  userId: string,
  query: ListQuery,
): Promise<{ conversations: ConversationView[]; nextCursor: string | null; totalUnread: number }> {
  const { store } = services.ports;
  const memberships = await store.collection<MemberDoc>(MEMBERS).find({ appId, userId });
  const visible = memberships.filter((member) => member.archived === query.archived && (query.archived || !member.hidden));
  const byConversation = new Map(visible.map((member) => [member.conversationId, member]));
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const conversations = await store.collection<ConversationDoc>(CONVERSATIONS).find(
    {
      _id: { $in: [...byConversation.keys()] },
      appId,
      ...(query.type ? { type: query.type } : {}),
      ...(after ? { $or: [{ lastActivityAt: { $lt: after.at } }, { lastActivityAt: after.at, _id: { $lt: after.id } }] } : {}),
    },
    { sort: { lastActivityAt: -1, _id: -1 }, limit: query.limit + 1 },
  );
  const page = conversations.slice(0, query.limit);
  const views = await Promise.all(
    page.map(async (conversation) => {
      const member = byConversation.get(conversation._id)!;
      return toConversationView(conversation, member, await unreadCount(services, member));
    }),
  );
  const last = page.at(-1);
  return {
    conversations: views,
    nextCursor: conversations.length > query.limit && last ? encodeCursor({ at: last.lastActivityAt, id: last._id }) : null,
    totalUnread: await totalUnread(services, memberships),
  };
}

export async function totalUnread(services: Services, memberships: MemberDoc[]): Promise<number> {
  const counts = await Promise.all(memberships.filter((member) => !member.archived).map((member) => unreadCount(services, member)));
  return counts.reduce((sum, count) => sum + count, 0);
}
