import { actingUserId } from '../../runtime/auth/authenticate.ts';
import type { StorePort } from '../../infra/store/port.ts';
import type { FunctionContext } from '../../runtime/context.ts';
import { AppError, isAppError } from '../../runtime/errors.ts';
import { accessConversation } from '../conversations/conversations.ts';
import { MESSAGES, type MessageDoc } from '../messages/messages.ts';
import { MEDIA, MEDIA_ATTACHMENTS, requireReadyMedia, type MediaAttachmentDoc, type MediaDoc } from './media-records.ts';

/**
 * Who may download media: the app itself (server key), the uploader, and whoever may read a
 * message it is attached to (a member of that conversation, anyone in the app for a channel;
 * a shadow-banned author's message only its author). Everyone else gets NOT_FOUND, the same as
 * for an unknown id, so media ids reveal nothing. Attaching follows the same rule (see
 * docs/security.md): a user attaches only media they could download, so never another user's
 * draft, nor a file of a conversation they were removed from.
 */
interface Placement {
  conversationId: string;
  authorId: string | null;
  shadowed: boolean;
}

/** Where the media is attached: the worker's links, else (lag after a send) the messages themselves. */
async function placements(store: StorePort, media: MediaDoc, wanted: (placement: Placement) => Promise<boolean>): Promise<boolean> {
  const links = await store.collection<MediaAttachmentDoc>(MEDIA_ATTACHMENTS).find({ mediaId: media._id }, { limit: 100 });
  for (const link of links) if (await wanted(link)) return true;
  const messages = await store
    .collection<MessageDoc>(MESSAGES)
    .find({ attachments: media._id, appId: media.appId }, { limit: 100, projection: { conversationId: 1, authorId: 1, shadowed: 1 } });
  for (const message of messages) if (await wanted(message)) return true;
  return false;
}

/** Whether a user may see this media: their own upload, or attached to a message they may read. */
async function visibleTo(store: StorePort, media: MediaDoc, userId: string): Promise<boolean> {
  if (media.uploaderId === userId) return true;
  const caller = { kind: 'user', appId: media.appId, userId } as const;
  const checked = new Map<string, boolean>();
  const mayRead = async (placement: Placement): Promise<boolean> => {
    if (placement.shadowed && placement.authorId !== userId) return false;
    const known = checked.get(placement.conversationId);
    if (known !== undefined) return known;
    let readable = true;
    try {
      await accessConversation(store, caller, media.appId, userId, placement.conversationId, { allowNonMemberChannel: true });
    } catch (error) {
      if (!(isAppError(error) && error.code === 'NOT_FOUND')) throw error;
      readable = false;
    }
    checked.set(placement.conversationId, readable);
    return readable;
  };
  return placements(store, media, mayRead);
}

export async function requireDownloadable(ctx: FunctionContext, media: MediaDoc): Promise<void> {
  const userId = actingUserId(ctx.caller);
  if (userId === null) return;
  if (!(await visibleTo(ctx.ports.store, media, userId))) throw new AppError('NOT_FOUND', `Media ${media._id} not found`);
}

/**
 * Every id must name ready media of the app that the author may see (the app itself, a server key
 * without X-On-Behalf-Of, may attach any); a refusal reads the same as an unknown id.
 */
export async function requireAttachableMedia(store: StorePort, appId: string, authorId: string | null, mediaIds: string[]): Promise<void> {
  if (mediaIds.length === 0) return; // most messages: nothing to look up
  await requireReadyMedia(store, appId, mediaIds);
  if (authorId === null) return;
  const media = await store.collection<MediaDoc>(MEDIA).find({ _id: { $in: mediaIds }, appId }, { limit: mediaIds.length });
  for (const id of mediaIds) {
    const item = media.find((candidate) => candidate._id === id);
    if (!item || !(await visibleTo(store, item, authorId))) {
      throw new AppError('VALIDATION_FAILED', `Attachment ${id} is not ready media of this app`, {
        issues: [{ path: 'body.attachments', message: `${id} is unknown or not ready` }],
      });
    }
  }
}
