import type { Services } from '../../runtime/context.ts';
import { currentSequence } from '../events/events.ts';
import { recordChange } from '../events/record-change.ts';
import { MESSAGES, type MessageDoc } from '../messages/messages.ts';
import type { MemberDoc } from './conversations.ts';

/**
 * Read and delivery receipts. Marking read moves the member's read marker forward (never back)
 * and is an event others see; unread counts are the messages after the marker that others wrote.
 */
export async function markRead(services: Services, member: MemberDoc, upToSeq: number | undefined): Promise<MemberDoc> {
  const latest = await currentSequence(services, member.conversationId);
  const seq = Math.min(upToSeq ?? latest, latest);
  if (seq <= member.lastReadSeq) return member;
  const event = await recordChange(services, {
    appId: member.appId,
    conversationId: member.conversationId,
    type: 'read',
    actorId: member.userId,
    payload: { userId: member.userId, seq },
  });
  return { ...member, lastReadSeq: seq, lastDeliveredSeq: Math.max(seq, member.lastDeliveredSeq), lastReadAt: event.at };
}

export async function markDelivered(services: Services, member: MemberDoc, upToSeq: number): Promise<MemberDoc> {
  const latest = await currentSequence(services, member.conversationId);
  const seq = Math.min(upToSeq, latest);
  if (seq <= member.lastDeliveredSeq) return member;
  await recordChange(services, {
    appId: member.appId,
    conversationId: member.conversationId,
    type: 'delivered',
    actorId: member.userId,
    payload: { userId: member.userId, seq },
  });
  return { ...member, lastDeliveredSeq: seq };
}

export async function unreadCount(services: Services, member: MemberDoc): Promise<number> {
  return services.ports.store.collection<MessageDoc>(MESSAGES).countDocuments({
    conversationId: member.conversationId,
    seq: { $gt: member.lastReadSeq },
    authorId: { $ne: member.userId },
    parentId: null,
    deletedAt: null,
    silent: false,
    shadowed: false,
  });
}
