import { z } from 'zod';
import type { IndexDeclaration, StorePort } from '../../infra/store/port.ts';
import { AppError } from '../../runtime/errors.ts';
import type { SendInput } from '../messages/message-sending.ts';

/**
 * Scheduled messages: a send kept until `sendAt`, then delivered by the scheduled sender
 * (workers/scheduled-sender.ts) through the normal send path, with a normal sequence and the
 * policy checks of that moment.
 *
 * status: `scheduled` (waiting; editable, cancellable) → `sending` (claimed by a worker under a
 * lease) → `sent` (messageId set) or `failed` (failure says why: the author was removed, banned…).
 * A failed one may be rescheduled with PATCH; cancelling deletes it.
 */
export type ScheduledStatus = 'scheduled' | 'sending' | 'sent' | 'failed';

export interface ScheduledDoc {
  _id: string;
  appId: string;
  conversationId: string;
  /** The user it is sent as; null for the app itself (server key without X-On-Behalf-Of). */
  authorId: string | null;
  sendAt: number;
  status: ScheduledStatus;
  /** Encrypted at rest (text, custom) under the author's data key; `erased` once that key was crypto-shredded. */
  message: SendInput & { erased?: true };
  /** While `sending`: the worker holding it, and until when; a lease that ran out is taken over. */
  leaseOwner: string | null;
  leaseUntil: number | null;
  attempts: number;
  messageId: string | null;
  seq: number | null;
  failure: { code: string; detail: string } | null;
  createdAt: number;
  updatedAt: number;
  [key: string]: unknown;
}

export const SCHEDULED_MESSAGES = 'scheduled_messages';

/** How far ahead a message may be scheduled. */
export const MAX_SCHEDULE_AHEAD_MS = 365 * 24 * 3600 * 1000;

export const ScheduledId = z.string().regex(/^sch_[0-9a-z]{26}$/, 'must be a scheduled message id (sch_…)');

export const scheduledIndexes: IndexDeclaration[] = [
  {
    collection: SCHEDULED_MESSAGES,
    specs: [{ keys: { status: 1, sendAt: 1 } }, { keys: { status: 1, leaseUntil: 1 } }, { keys: { conversationId: 1, sendAt: 1 } }],
  },
];

/** RFC 3339 → epoch ms, refused unless in the future and within the horizon. */
export function parseSendAt(sendAt: string, now: number): number {
  const at = Date.parse(sendAt);
  const refuse = (message: string) => new AppError('VALIDATION_FAILED', `sendAt: ${message}`, { issues: [{ path: 'body.sendAt', message }] });
  if (Number.isNaN(at)) throw refuse('must be an RFC 3339 date-time');
  if (at <= now) throw refuse('must be in the future');
  if (at - now > MAX_SCHEDULE_AHEAD_MS) throw refuse('at most 365 days ahead');
  return at;
}

/** The caller's own scheduled message: another user's, or another app's, is not found. */
export async function requireScheduled(store: StorePort, appId: string, authorId: string | null, scheduledId: string): Promise<ScheduledDoc> {
  const filter = authorId === null ? { _id: scheduledId, appId } : { _id: scheduledId, appId, authorId };
  const doc = await store.collection<ScheduledDoc>(SCHEDULED_MESSAGES).findOne(filter);
  if (!doc) throw new AppError('NOT_FOUND', `Scheduled message ${scheduledId} not found`);
  return doc;
}
