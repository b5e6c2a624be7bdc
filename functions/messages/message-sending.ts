import type { Services } from '../../runtime/context.ts';
import { AppError, isAppError } from '../../runtime/errors.ts';
import { newId } from '../../runtime/ids.ts';
import type { Access } from '../conversations/conversations.ts';
import { requireUsersExist } from '../conversations/conversation-lifecycle.ts';
import { recordChange } from '../events/record-change.ts';
import { requireReadyMedia } from '../media/media-records.ts';
import { applyBlocklist, moderationSettings } from '../moderation/moderation-settings.ts';
import { CLIENT_MESSAGE_IDS, MESSAGES, type MessageDoc } from './messages.ts';
import { expiresAtFor } from './message-ttl.ts';
import { checkMayPost, checkSlowMode } from './send-policy.ts';
import type { UserDoc } from '../users/users.ts';

export interface SendInput {
  text: string;
  attachments: string[];
  mentions: string[];
  custom: Record<string, unknown>;
  parentId?: string;
  quotedId?: string;
  silent: boolean;
  type: 'regular' | 'system';
  clientMessageId?: string;
  /** Disappearing message: expires this long after sending (else the conversation's messageTtlSeconds applies). */
  ttlSeconds?: number;
}

interface ClientMessageIdDoc {
  _id: string;
  messageId: string;
  [key: string]: unknown;
}

const RETRY_WAIT_MS = 5_000;

/** A retry with a known clientMessageId: the message the first attempt created (waiting for it if still in flight). */
async function previouslySent(services: Services, claimId: string): Promise<MessageDoc | null> {
  const { store } = services.ports;
  const claim = await store.collection<ClientMessageIdDoc>(CLIENT_MESSAGE_IDS).findOne({ _id: claimId });
  if (!claim) return null;
  const deadline = Date.now() + RETRY_WAIT_MS;
  for (;;) {
    const message = await store.collection<MessageDoc>(MESSAGES).findOne({ _id: claim.messageId });
    if (message) return message;
    if (Date.now() > deadline) throw new AppError('IDEMPOTENCY_IN_PROGRESS', 'A message with this clientMessageId is still being sent', { headers: { 'Retry-After': '1' } });
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function requireSameConversation(services: Services, access: Access, messageId: string, what: string): Promise<MessageDoc> {
  const target = await services.ports.store.collection<MessageDoc>(MESSAGES).findOne({ _id: messageId, conversationId: access.conversation._id });
  if (!target) {
    throw new AppError('VALIDATION_FAILED', `${what} ${messageId} is not a message of this conversation`, {
      issues: [{ path: `body.${what}`, message: 'unknown message in this conversation' }],
    });
  }
  return target;
}

function validateText(services: Services, input: SendInput): void {
  const max = services.config.CAAS_MAX_MESSAGE_LENGTH;
  if ([...input.text].length > max) {
    throw new AppError('VALIDATION_FAILED', `text: at most ${max} characters`, { issues: [{ path: 'body.text', message: `at most ${max} characters` }] });
  }
  if (input.text.trim().length === 0 && input.attachments.length === 0) {
    throw new AppError('VALIDATION_FAILED', 'text: a message needs text or attachments', { issues: [{ path: 'body.text', message: 'empty' }] });
  }
}

/**
 * Everything a send checks before it may reserve a sequence (all but slow mode): scheduling a
 * message runs the same checks when it is scheduled, and again when it is delivered.
 */
export async function checkSendable(services: Services, access: Access, input: SendInput): Promise<{ author: UserDoc | null; text: string }> {
  const { conversation } = access;
  if (input.type === 'system' && access.userId !== null) throw new AppError('FORBIDDEN', 'Only the app (a server key without X-On-Behalf-Of) sends system messages');
  validateText(services, input);
  const author = await checkMayPost(services, access);
  const text = applyBlocklist(input.text, await moderationSettings(services, conversation.appId));
  await requireReadyMedia(services.ports.store, conversation.appId, input.attachments);
  await requireUsersExist(services, conversation.appId, input.mentions);
  if (input.parentId) {
    const parent = await requireSameConversation(services, access, input.parentId, 'parentId');
    if (parent.parentId) throw new AppError('VALIDATION_FAILED', 'parentId: replies to replies are not threads; reply to the thread root', { issues: [{ path: 'body.parentId', message: 'is itself a reply' }] });
  }
  if (input.quotedId) await requireSameConversation(services, access, input.quotedId, 'quotedId');
  return { author, text };
}

/**
 * Sends a message. Everything is validated before the sequence is reserved, so a refused send
 * leaves no event and no gap; a retry with the same clientMessageId returns the first message.
 */
export async function sendMessage(services: Services, access: Access, input: SendInput): Promise<{ message: MessageDoc; created: boolean }> {
  const { conversation } = access;
  const authorId = access.userId;
  const claimId = input.clientMessageId ? `${conversation._id}:${authorId ?? '@app'}:${input.clientMessageId}` : null;
  if (claimId) {
    const existing = await previouslySent(services, claimId);
    if (existing) return { message: existing, created: false };
  }

  const { author, text } = await checkSendable(services, access, input);
  await checkSlowMode(services, access);

  const now = services.clock.now();
  const messageId = newId('msg', now);
  if (claimId) {
    try {
      await services.ports.store.collection<ClientMessageIdDoc>(CLIENT_MESSAGE_IDS).insertOne({ _id: claimId, messageId, appId: conversation.appId, createdAt: now });
    } catch (error) {
      if (isAppError(error) && error.code === 'CONFLICT') {
        const winner = await previouslySent(services, claimId);
        if (winner) return { message: winner, created: false };
      }
      throw error;
    }
  }
  try {
    const message: Omit<MessageDoc, 'seq' | 'version'> = {
      _id: messageId,
      appId: conversation.appId,
      conversationId: conversation._id,
      authorId,
      type: input.type,
      text,
      attachments: input.attachments,
      mentions: [...new Set(input.mentions)],
      custom: input.custom,
      parentId: input.parentId ?? null,
      quotedId: input.quotedId ?? null,
      silent: input.silent,
      shadowed: author?.shadowBanned === true,
      clientMessageId: input.clientMessageId ?? null,
      createdAt: now,
      editedAt: null,
      edits: [],
      deletedAt: null,
      reactionCounts: {},
      replyCount: 0,
      latestReplierIds: [],
      pinnedAt: null,
      pinnedBy: null,
      expiresAt: expiresAtFor(now, input.ttlSeconds, conversation.messageTtlSeconds),
    };
    const event = await recordChange(services, {
      appId: conversation.appId,
      conversationId: conversation._id,
      type: 'message.new',
      actorId: authorId,
      payload: (seq) => ({ message: { ...message, seq, version: seq } }),
    });
    return { message: (event.payload as { message: MessageDoc }).message, created: true };
  } catch (error) {
    if (claimId) await services.ports.store.collection(CLIENT_MESSAGE_IDS).deleteOne({ _id: claimId });
    throw error;
  }
}
