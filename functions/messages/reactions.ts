import { z } from 'zod';
import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import { requireMember, type Access } from '../conversations/conversations.ts';
import { refuseIfBanned } from './send-policy.ts';
import { recordChange } from '../events/record-change.ts';
import { REACTIONS, reactionKey, type MessageDoc, type ReactionDoc } from './messages.ts';

/**
 * Reactions: one per user per emoji. An emoji is either exactly one Unicode emoji (one grapheme,
 * skin tones and ZWJ sequences included) or a short code like `thumbsup` or `+1`.
 */
const SHORT_CODE = /^[a-z0-9_+-]{1,32}$/;
const EMOJI = /^(\p{Extended_Pictographic}|\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3)/u;
const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

export function isReactionKey(value: string): boolean {
  if (SHORT_CODE.test(value)) return true;
  const graphemes = [...segmenter.segment(value)];
  return graphemes.length === 1 && EMOJI.test(value);
}

export const ReactionKey = z.string().max(64).refine(isReactionKey, 'must be one emoji or a short code like "thumbsup"');

export async function addReaction(services: Services, access: Access, message: MessageDoc, emoji: string): Promise<boolean> {
  const member = requireMember(access);
  if (message.deletedAt !== null) throw new AppError('NOT_FOUND', `Message ${message._id} was deleted`);
  await refuseIfBanned(services, message.appId, member.userId);
  const id = reactionKey(message._id, member.userId, emoji);
  if (await services.ports.store.collection<ReactionDoc>(REACTIONS).findOne({ _id: id })) return false;
  const reaction: ReactionDoc = {
    _id: id,
    appId: message.appId,
    conversationId: message.conversationId,
    messageId: message._id,
    userId: member.userId,
    emoji,
    createdAt: services.clock.now(),
  };
  await recordChange(services, { appId: message.appId, conversationId: message.conversationId, type: 'reaction.added', actorId: member.userId, payload: { reaction } });
  return true;
}

export async function removeReaction(services: Services, access: Access, message: MessageDoc, emoji: string): Promise<void> {
  const member = requireMember(access);
  const id = reactionKey(message._id, member.userId, emoji);
  if (!(await services.ports.store.collection<ReactionDoc>(REACTIONS).findOne({ _id: id }))) {
    throw new AppError('NOT_FOUND', `No ${emoji} reaction of yours on this message`);
  }
  await recordChange(services, {
    appId: message.appId,
    conversationId: message.conversationId,
    type: 'reaction.removed',
    actorId: member.userId,
    payload: { reactionId: id, messageId: message._id, emoji, userId: member.userId },
  });
}

export async function listReactions(services: Services, messageId: string, emoji: string | undefined, limit: number): Promise<ReactionDoc[]> {
  return services.ports.store
    .collection<ReactionDoc>(REACTIONS)
    .find({ messageId, ...(emoji ? { emoji } : {}) }, { sort: { createdAt: 1 }, limit });
}

/**
 * The emojis `userId` reacted with, per message. Only messages with a reaction count are asked
 * about: most have none, and on a store that splits `$in` (FerretDB) each id is a lookup of its own.
 */
export async function ownReactions(services: Services, userId: string, messages: Array<Pick<MessageDoc, '_id' | 'reactionCounts'>>): Promise<Map<string, string[]>> {
  const mine = new Map<string, string[]>();
  const messageIds = messages.filter((message) => Object.keys(message.reactionCounts ?? {}).length > 0).map((message) => message._id);
  if (messageIds.length === 0) return mine;
  const found = await services.ports.store.collection<ReactionDoc>(REACTIONS).find({ messageId: { $in: messageIds }, userId });
  for (const reaction of found) mine.set(reaction.messageId, [...(mine.get(reaction.messageId) ?? []), reaction.emoji]);
  return mine;
}
