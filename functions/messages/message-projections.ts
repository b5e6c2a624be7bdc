import { retryOnConflict } from '../../infra/resilience.ts';
import type { Update } from '../../infra/store/port.ts';
import type { Services } from '../../runtime/context.ts';
import { isAppError } from '../../runtime/errors.ts';
import { unhideMembers } from '../conversations/hidden-members.ts';
import type { EventDoc } from '../events/events.ts';
import { forgetPreviewOf } from './last-message.ts';
import { writePreview } from './preview-writes.ts';
import { MAX_LATEST_REPLIERS, MESSAGES, REACTIONS, messageSeqBlock, type MessageDoc, type ReactionDoc } from './messages.ts';

/**
 * How message events change message, reaction and conversation rows. Idempotent: inserts ignore
 * duplicates, updates apply only over an older `version`, counts are recounted, not incremented.
 */

export async function projectMessageNew(services: Services, event: EventDoc): Promise<void> {
  const { message } = event.payload as { message: MessageDoc };
  const store = services.ports.store;
  try {
    await store.collection<MessageDoc>(MESSAGES).insertOne({ ...message, seqBlock: messageSeqBlock(message.conversationId, message.seq) });
  } catch (error) {
    if (isAppError(error) && error.code === 'CONFLICT') return;
    throw error;
  }
  if (message.parentId) {
    await store.collection<MessageDoc>(MESSAGES).updateOne({ _id: message.parentId }, { $inc: { replyCount: 1 } });
    await addLatestReplier(services, message.parentId, message.authorId);
    return;
  }
  if (message.shadowed) return;
  // Independent rows: written side by side (one round trip's wait on a remote store, not two).
  await Promise.all([
    writePreview(services, message),
    // A new message brings hidden conversations back into their members' lists.
    unhideMembers(services, message.conversationId),
  ]);
}

/**
 * Whether a message.new event's projection has run: its message row exists. The projection writes
 * that row first and does nothing more when it is already there, so applying it again would only
 * fail one insert.
 */
export async function messageNewProjected(services: Services, event: EventDoc): Promise<boolean> {
  const { message } = event.payload as { message: Pick<MessageDoc, '_id'> };
  return (await services.ports.store.collection<MessageDoc>(MESSAGES).findOne({ _id: message._id }, { projection: { _id: 1 } })) !== null;
}

/** Edits, soft deletes, pins: an absolute `$set` of the message's new fields, applied only over older versions. */
export async function projectMessageChanged(services: Services, event: EventDoc): Promise<void> {
  const { messageId, changes, push } = event.payload as { messageId: string; changes: Partial<MessageDoc>; push?: Record<string, unknown> };
  await services.ports.store
    .collection<MessageDoc>(MESSAGES)
    .updateOne({ _id: messageId, version: { $lt: event.seq } }, { $set: { ...changes, version: event.seq }, ...(push ? { $push: push } : {}) });
}

export async function projectMessageDeleted(services: Services, event: EventDoc): Promise<void> {
  const { messageId, hard } = event.payload as { messageId: string; hard: boolean };
  const store = services.ports.store;
  if (hard) {
    await store.collection<MessageDoc>(MESSAGES).deleteOne({ _id: messageId });
    await store.collection<ReactionDoc>(REACTIONS).deleteMany({ messageId });
  } else {
    await projectMessageChanged(services, event);
  }
  await forgetPreviewOf(services, event.conversationId, messageId);
}

/** A write computed from a read that another writer has since made stale: read and write again. */
class StaleRead extends Error {}
const untilFresh = retryOnConflict((error) => error instanceof StaleRead);

/**
 * The parent's latest repliers, `authorId` last. Written whole rather than with $pull/$push+$slice
 * (not every MongoDB-wire store honours those), and only over the list it was made from: replies by
 * two people at once would otherwise each write the list without the other.
 */
async function addLatestReplier(services: Services, parentId: string, authorId: MessageDoc['authorId']): Promise<void> {
  const messages = services.ports.store.collection<MessageDoc>(MESSAGES);
  await untilFresh(async () => {
    const parent = await messages.findOne({ _id: parentId }, { projection: { latestReplierIds: 1 } });
    if (!parent) return;
    const repliers = [...parent.latestReplierIds.filter((id) => id !== authorId), authorId].slice(-MAX_LATEST_REPLIERS);
    const written = await messages.updateOne({ _id: parentId, latestReplierIds: parent.latestReplierIds }, { $set: { latestReplierIds: repliers } });
    if (written.matchedCount === 0) throw new StaleRead();
  });
}

/**
 * Writes the message's count of `emoji` from the reactions themselves. Counting and writing are two
 * steps, so a writer that counted before another reaction landed can write after that reaction's
 * writer did: each writer counts again after its write, and writes again until the two agree.
 * The last write to land is then followed by a count that matches it, so the count left is the
 * number of reactions once every writer is done.
 */
async function recountReaction(services: Services, messageId: string, emoji: string): Promise<void> {
  const store = services.ports.store;
  const count = () => store.collection<ReactionDoc>(REACTIONS).countDocuments({ messageId, emoji });
  const field = `reactionCounts.${emoji}`;
  await untilFresh(async () => {
    const counted = await count();
    const update: Update = counted > 0 ? { $set: { [field]: counted } } : { $unset: { [field]: '' } };
    await store.collection<MessageDoc>(MESSAGES).updateOne({ _id: messageId }, update);
    if ((await count()) !== counted) throw new StaleRead();
  });
}

export async function projectReactionAdded(services: Services, event: EventDoc): Promise<void> {
  const { reaction } = event.payload as { reaction: ReactionDoc };
  try {
    await services.ports.store.collection<ReactionDoc>(REACTIONS).insertOne(reaction);
  } catch (error) {
    if (!(isAppError(error) && error.code === 'CONFLICT')) throw error;
  }
  await recountReaction(services, reaction.messageId, reaction.emoji);
}

export async function projectReactionRemoved(services: Services, event: EventDoc): Promise<void> {
  const { reactionId, messageId, emoji } = event.payload as { reactionId: string; messageId: string; emoji: string };
  await services.ports.store.collection<ReactionDoc>(REACTIONS).deleteOne({ _id: reactionId });
  await recountReaction(services, messageId, emoji);
}
