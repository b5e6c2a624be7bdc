import { actingUserId, callerAppId } from '../../runtime/auth/authenticate.ts';
import type { FunctionContext } from '../../runtime/context.ts';
import { AppError, isAppError } from '../../runtime/errors.ts';
import { accessConversation } from '../conversations/conversations.ts';
import { MESSAGES, type MessageDoc } from '../messages/messages.ts';
import { MEDIA_ATTACHMENTS, type MediaAttachmentDoc, type MediaDoc } from './media-records.ts';

/**
 * Who may download media: the app itself (server key), the uploader, and whoever may read a
 * message it is attached to (a member of that conversation, anyone in the app for a channel;
 * a shadow-banned author's message only its author). Everyone else gets NOT_FOUND, the same as
 * for an unknown id, so media ids reveal nothing.
 */
interface Placement {
  conversationId: string;
  authorId: string | null;
  shadowed: boolean;
}

/** Where the media is attached: the worker's links, else (lag after a send) the messages themselves. */
async function placements(ctx: FunctionContext, media: MediaDoc, wanted: (placement: Placement) => Promise<boolean>): Promise<boolean> {
  const { store } = ctx.ports;
  const links = await store.collection<MediaAttachmentDoc>(MEDIA_ATTACHMENTS).find({ mediaId: media._id }, { limit: 100 });
  for (const link of links) if (await wanted(link)) return true;
  const messages = await store
    .collection<MessageDoc>(MESSAGES)
    .find({ attachments: media._id, appId: media.appId }, { limit: 100, projection: { conversationId: 1, authorId: 1, shadowed: 1 } });
  for (const message of messages) if (await wanted(message)) return true;
  return false;
}

export async function requireDownloadable(ctx: FunctionContext, media: MediaDoc): Promise<void> {
  const userId = actingUserId(ctx.caller);
  if (userId === null || media.uploaderId === userId) return;
  const checked = new Map<string, boolean>();
  const mayRead = async (placement: Placement): Promise<boolean> => {
    if (placement.shadowed && placement.authorId !== userId) return false;
    const known = checked.get(placement.conversationId);
    if (known !== undefined) return known;
    let readable = true;
    try {
      await accessConversation(ctx.ports.store, ctx.caller, callerAppId(ctx.caller), userId, placement.conversationId, { allowNonMemberChannel: true });
    } catch (error) {
      if (!(isAppError(error) && error.code === 'NOT_FOUND')) throw error;
      readable = false;
    }
    checked.set(placement.conversationId, readable);
    return readable;
  };
  if (!(await placements(ctx, media, mayRead))) throw new AppError('NOT_FOUND', `Media ${media._id} not found`);
}
