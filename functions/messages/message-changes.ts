import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import type { Access } from '../conversations/conversations.ts';
import { recordChange } from '../events/record-change.ts';
import { applyBlocklist, moderationSettings } from '../moderation/moderation-settings.ts';
import type { MessageDoc } from './messages.ts';
import { checkMayPost } from './send-policy.ts';

/** Edits (author only, history kept), deletes (soft tombstone; hard for moderators) and pins. */
function requireAlive(message: MessageDoc): void {
  if (message.deletedAt !== null) throw new AppError('NOT_FOUND', `Message ${message._id} was deleted`);
}

export async function editMessage(services: Services, access: Access, message: MessageDoc, text: string): Promise<MessageDoc> {
  requireAlive(message);
  if (access.userId !== null && message.authorId !== access.userId) throw new AppError('FORBIDDEN', 'Only the author may edit a message');
  const max = services.config.CAAS_MAX_MESSAGE_LENGTH;
  if ([...text].length > max) throw new AppError('VALIDATION_FAILED', `text: at most ${max} characters`, { issues: [{ path: 'body.text', message: `at most ${max} characters` }] });
  if (text.trim().length === 0 && message.attachments.length === 0) {
    throw new AppError('VALIDATION_FAILED', 'text: a message needs text or attachments', { issues: [{ path: 'body.text', message: 'empty' }] });
  }
  await checkMayPost(services, access);
  const masked = applyBlocklist(text, await moderationSettings(services, message.appId));
  if (masked === message.text) return message;
  const editedAt = services.clock.now();
  const previous = { text: message.text, editedAt: message.editedAt ?? message.createdAt };
  const event = await recordChange(services, {
    appId: message.appId,
    conversationId: message.conversationId,
    type: 'message.updated',
    actorId: access.userId,
    // authorId: whose data key seals the new text in the event (crypto/sealed-fields.ts).
    payload: { messageId: message._id, authorId: message.authorId, changes: { text: masked, editedAt }, push: { edits: previous } },
  });
  return { ...message, text: masked, editedAt, edits: [...message.edits, previous], version: event.seq };
}

export async function deleteMessage(services: Services, access: Access, message: MessageDoc, hard: boolean): Promise<void> {
  const isAuthor = access.userId !== null && message.authorId === access.userId;
  if (!isAuthor && !access.isModerator) throw new AppError('FORBIDDEN', 'Only the author or a moderator may delete a message');
  if (hard && !access.isModerator) throw new AppError('FORBIDDEN', 'Only moderators may hard-delete');
  if (!hard) requireAlive(message);
  const deletedAt = services.clock.now();
  await recordChange(services, {
    appId: message.appId,
    conversationId: message.conversationId,
    type: 'message.deleted',
    actorId: access.userId,
    payload: {
      messageId: message._id,
      hard,
      changes: hard ? {} : { text: '', attachments: [], mentions: [], custom: {}, edits: [], deletedAt },
    },
  });
}

export async function setPinned(services: Services, access: Access, message: MessageDoc, pinned: boolean): Promise<MessageDoc> {
  requireAlive(message);
  const mayPin = access.isModerator || (access.conversation.type === 'direct' && access.member !== null);
  if (!mayPin) throw new AppError('FORBIDDEN', 'Only owners and admins may pin messages');
  if ((message.pinnedAt !== null) === pinned) return message;
  const changes = pinned ? { pinnedAt: services.clock.now(), pinnedBy: access.userId } : { pinnedAt: null, pinnedBy: null };
  await recordChange(services, {
    appId: message.appId,
    conversationId: message.conversationId,
    type: pinned ? 'message.pinned' : 'message.unpinned',
    actorId: access.userId,
    payload: { messageId: message._id, changes },
  });
  return { ...message, ...changes };
}
