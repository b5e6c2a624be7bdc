import type { Services } from '../../runtime/context.ts';
import { isAppError } from '../../runtime/errors.ts';
import { sendMessage } from '../messages/message-sending.ts';
import { SCHEDULED_MESSAGES, type ScheduledDoc } from './scheduled.ts';
import { authorAccess } from './scheduling.ts';

/**
 * Delivering due scheduled messages, exactly once even with several workers and crashes:
 *
 * - a worker claims one with an atomic find-and-update (`scheduled` → `sending`, with a lease);
 *   a lease that ran out (its worker died) is claimed again;
 * - the send carries a clientMessageId derived from the scheduled id (or the one the client gave),
 *   so a second attempt after a crash returns the message the first one sent instead of sending
 *   it twice, and a store whose find-and-update is not atomic still sends it once;
 * - the send is the normal one: next sequence, and every policy check as of delivery time. A
 *   refusal (author removed, banned, muted, conversation gone) marks it `failed` with the reason;
 *   a transient error (engine down, slow mode) leaves it to be retried when the lease runs out.
 */
const RETRYABLE = new Set(['RATE_LIMITED', 'IDEMPOTENCY_IN_PROGRESS']);

export async function claimDue(services: Services, owner: string, leaseMs: number): Promise<ScheduledDoc | null> {
  const collection = services.ports.store.collection<ScheduledDoc>(SCHEDULED_MESSAGES);
  const now = services.clock.now();
  const claim = { $set: { status: 'sending', leaseOwner: owner, leaseUntil: now + leaseMs }, $inc: { attempts: 1 } };
  return (
    (await collection.findOneAndUpdate({ status: 'scheduled', sendAt: { $lte: now } }, claim, { sort: { sendAt: 1 } })) ??
    (await collection.findOneAndUpdate({ status: 'sending', leaseUntil: { $lt: now } }, claim, { sort: { leaseUntil: 1 } }))
  );
}

export async function deliver(services: Services, doc: ScheduledDoc, owner: string): Promise<ScheduledDoc['status']> {
  const collection = services.ports.store.collection<ScheduledDoc>(SCHEDULED_MESSAGES);
  const mine = { _id: doc._id, status: 'sending', leaseOwner: owner };
  const released = { leaseOwner: null, leaseUntil: null, updatedAt: services.clock.now() };
  if (doc.message.erased) {
    const failure = { code: 'KEY_DESTROYED', detail: "not sent: its author's data key was destroyed (crypto-shredded) before its send time" };
    await collection.updateOne(mine, { $set: { ...released, status: 'failed', failure } });
    return 'failed';
  }
  try {
    const access = await authorAccess(services, doc);
    const { message } = await sendMessage(services, access, { ...doc.message, clientMessageId: doc.message.clientMessageId ?? doc._id });
    await collection.updateOne(mine, { $set: { ...released, status: 'sent', messageId: message._id, seq: message.seq } });
    return 'sent';
  } catch (error) {
    if (!isAppError(error) || error.status >= 500 || RETRYABLE.has(error.code)) {
      services.log.warn({ err: error, scheduledId: doc._id }, 'scheduled message not delivered yet; retried when its lease runs out');
      return 'sending';
    }
    await collection.updateOne(mine, { $set: { ...released, status: 'failed', failure: { code: error.code, detail: error.message } } });
    return 'failed';
  }
}

/** Claims and delivers due messages until none is left; resolves with how many were handled. */
export async function deliverDue(services: Services, owner: string, leaseMs: number): Promise<number> {
  let handled = 0;
  for (let doc = await claimDue(services, owner, leaseMs); doc; doc = await claimDue(services, owner, leaseMs)) {
    await deliver(services, doc, owner);
    handled += 1;
  }
  return handled;
}
