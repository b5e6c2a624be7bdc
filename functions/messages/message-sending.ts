import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import { newId } from '../../runtime/ids.ts';
import type { Access } from '../conversations/conversations.ts';
import { requireUsersExist } from '../conversations/conversation-lifecycle.ts';
import { recordChange } from '../events/record-change.ts';
import { applyPreSendHook } from '../hooks/pre-send.ts';
import { requireAttachableMedia } from '../media/media-access.ts';
import { applyBlocklist, moderationSettings } from '../moderation/moderation-settings.ts';
import { MESSAGES, type MessageDoc } from './messages.ts';
import { DuplicateChange, findByDedupeKey, type EventDoc } from '../events/events.ts';
import { applyProjection } from '../events/projections.ts';
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

/**
 * A retry with a known clientMessageId: the message its first attempt committed (the event with
 * that dedupe key), or null when none did. An event whose writer died before its projection is
 * projected here (idempotent), so a retry never waits for a writer that may be gone.
 */
async function previouslySent(services: Services, dedupeKey: string): Promise<MessageDoc | null> {
  const event = await findByDedupeKey(services, dedupeKey);
  return event ? messageOf(services, event) : null;
}

async function messageOf(services: Services, event: EventDoc): Promise<MessageDoc> {
  const messages = services.ports.store.collection<MessageDoc>(MESSAGES);
  const { message } = event.payload as { message: MessageDoc };
  const current = await messages.findOne({ _id: message._id });
  if (current) return current;
  await applyProjection(services, event);
  return (await messages.findOne({ _id: message._id })) ?? message;
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
  await requireAttachableMedia(services.ports.store, conversation.appId, access.userId, input.attachments);
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
  if (!input.clientMessageId) return send(services, access, input, undefined);
  const dedupeKey = `message:${access.conversation._id}:${access.userId ?? '@app'}:${input.clientMessageId}`;
  // Retries racing each other in this process share one attempt: only retries racing across
  // processes can reach the event index together (and leave the loser's number unused).
  const running = inFlight.get(dedupeKey);
  if (running) return { message: (await running).message, created: false };
  const attempt = send(services, access, input, dedupeKey).finally(() => inFlight.delete(dedupeKey));
  inFlight.set(dedupeKey, attempt);
  return attempt;
}

const inFlight = new Map<string, Promise<{ message: MessageDoc; created: boolean }>>();

async function send(services: Services, access: Access, input: SendInput, dedupeKey: string | undefined): Promise<{ message: MessageDoc; created: boolean }> {
  const { conversation } = access;
  const authorId = access.userId;
  if (dedupeKey) {
    const existing = await previouslySent(services, dedupeKey);
    if (existing) return { message: existing, created: false };
  }

  const { author, text: blocklisted } = await checkSendable(services, access, input);
  await checkSlowMode(services, access);
  const text = await applyPreSendHook(services, conversation.appId, {
    conversationId: conversation._id,
    authorId,
    type: input.type,
    text: blocklisted,
    attachments: input.attachments,
    mentions: input.mentions,
    custom: input.custom,
    parentId: input.parentId ?? null,
    quotedId: input.quotedId ?? null,
  });

  const now = services.clock.now();
  const messageId = newId('msg', now);
  const expiresAt = expiresAtFor(now, input.ttlSeconds, conversation.messageTtlSeconds);
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
    expiresAt,
    ...(expiresAt === null ? {} : { expiring: true as const }),
  };
  let event: EventDoc;
  try {
    event = await recordChange(services, {
      appId: conversation.appId,
      conversationId: conversation._id,
      type: 'message.new',
      actorId: authorId,
      payload: (seq) => ({ message: { ...message, seq, version: seq } }),
      ...(dedupeKey ? { dedupeKey } : {}),
    });
  } catch (error) {
    // A retry that raced its own first attempt: answer with what the first one committed.
    if (error instanceof DuplicateChange) return { message: await messageOf(services, error.existing), created: false };
    throw error;
  }
  return { message: (event.payload as { message: MessageDoc }).message, created: true };
}
