import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import { newId } from '../../runtime/ids.ts';
import { accessConversation, type Access } from '../conversations/conversations.ts';
import { checkSendable, type SendInput } from '../messages/message-sending.ts';
import { parseSendAt, requireScheduled, SCHEDULED_MESSAGES, type ScheduledDoc } from './scheduled.ts';

/** Scheduling, editing and cancelling: the checks of a send run now, and again at delivery. */

/** The access its author has now: a user removed from the conversation since is refused. */
export async function authorAccess(services: Services, doc: Pick<ScheduledDoc, 'appId' | 'authorId' | 'conversationId'>): Promise<Access> {
  const caller = doc.authorId === null
    ? { kind: 'server' as const, appId: doc.appId, keyId: 'scheduler', onBehalfOf: null }
    : { kind: 'user' as const, appId: doc.appId, userId: doc.authorId };
  return accessConversation(services.ports.store, caller, doc.appId, doc.authorId, doc.conversationId, { allowNonMemberChannel: true });
}

export async function scheduleMessage(services: Services, access: Access, input: SendInput, sendAt: string): Promise<ScheduledDoc> {
  const now = services.clock.now();
  const at = parseSendAt(sendAt, now);
  await checkSendable(services, access, input);
  const doc: ScheduledDoc = {
    _id: newId('sch', now),
    appId: access.conversation.appId,
    conversationId: access.conversation._id,
    authorId: access.userId,
    sendAt: at,
    status: 'scheduled',
    message: input,
    leaseOwner: null,
    leaseUntil: null,
    attempts: 0,
    messageId: null,
    seq: null,
    failure: null,
    createdAt: now,
    updatedAt: now,
  };
  await services.ports.store.collection<ScheduledDoc>(SCHEDULED_MESSAGES).insertOne(doc);
  return doc;
}

export interface ScheduledChanges {
  text?: string;
  attachments?: string[];
  mentions?: string[];
  custom?: Record<string, unknown>;
  silent?: boolean;
  ttlSeconds?: number | null;
  sendAt?: string;
}

function notEditable(doc: ScheduledDoc): AppError {
  return new AppError('CONFLICT', `Scheduled message ${doc._id} is ${doc.status === 'sent' ? 'already sent' : 'being sent'}; it can no longer change`);
}

/** Edits a waiting (or failed) scheduled message; a failed one needs a new sendAt and is scheduled again. */
export async function updateScheduled(services: Services, appId: string, authorId: string | null, scheduledId: string, changes: ScheduledChanges): Promise<ScheduledDoc> {
  const store = services.ports.store;
  const doc = await requireScheduled(store, appId, authorId, scheduledId);
  if (doc.status !== 'scheduled' && doc.status !== 'failed') throw notEditable(doc);
  const now = services.clock.now();
  if (doc.status === 'failed' && changes.sendAt === undefined) {
    throw new AppError('VALIDATION_FAILED', 'sendAt: a failed scheduled message needs a new sendAt', { issues: [{ path: 'body.sendAt', message: 'required for a failed message' }] });
  }
  const sendAt = changes.sendAt === undefined ? doc.sendAt : parseSendAt(changes.sendAt, now);
  const { sendAt: _ignored, ttlSeconds, ...fields } = changes;
  const message: SendInput = { ...doc.message, ...fields };
  if (ttlSeconds === null) delete message.ttlSeconds;
  else if (ttlSeconds !== undefined) message.ttlSeconds = ttlSeconds;
  await checkSendable(services, await authorAccess(services, doc), message);
  const update = { message, sendAt, status: 'scheduled' as const, failure: null, updatedAt: now };
  // Only over the state read: a worker that claimed it meanwhile wins, and this edit is refused.
  const result = await store.collection<ScheduledDoc>(SCHEDULED_MESSAGES).updateOne({ _id: doc._id, status: doc.status, updatedAt: doc.updatedAt }, { $set: update });
  if (result.matchedCount === 0) throw notEditable({ ...doc, status: 'sending' });
  return { ...doc, ...update };
}

/** Cancels: the scheduled message is deleted, unless a worker is sending it or has sent it. */
export async function cancelScheduled(services: Services, appId: string, authorId: string | null, scheduledId: string): Promise<void> {
  const collection = services.ports.store.collection<ScheduledDoc>(SCHEDULED_MESSAGES);
  const doc = await requireScheduled(services.ports.store, appId, authorId, scheduledId);
  if (doc.status !== 'scheduled' && doc.status !== 'failed') throw notEditable(doc);
  const deleted = await collection.deleteOne({ _id: doc._id, status: { $in: ['scheduled', 'failed'] } });
  if (deleted === 0) throw notEditable({ ...doc, status: 'sending' });
}
