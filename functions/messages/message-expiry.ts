import type { Services } from '../../runtime/context.ts';
import { recordChange } from '../events/record-change.ts';
import { MESSAGES, type MessageDoc } from './messages.ts';

/**
 * Disappearing messages, when due: each becomes a normal hard `message.deleted` event (actor null,
 * reason "expired"), so its projection removes the row and reactions, the search indexer removes
 * it from the index, the media worker removes attachments no other message carries, and clients
 * learn of it like any delete.
 *
 * A message is claimed by pushing its expiry back by `CLAIM_MS` before its event is written: two
 * workers do not both delete it, and one that dies after the claim leaves it to be retried then.
 */
const CLAIM_MS = 60_000;

export async function expireDueMessages(services: Services, batchSize = 200): Promise<number> {
  const messages = services.ports.store.collection<MessageDoc>(MESSAGES);
  const now = services.clock.now();
  const due = await messages.find({ expiring: true, expiresAt: { $lte: now } }, { sort: { expiresAt: 1 }, limit: batchSize, projection: { _id: 1 } });
  let expired = 0;
  for (const { _id } of due) {
    const claimed = await messages.findOneAndUpdate({ _id, expiresAt: { $lte: now } }, { $set: { expiresAt: now + CLAIM_MS } });
    if (!claimed) continue;
    await recordChange(services, {
      appId: claimed.appId,
      conversationId: claimed.conversationId,
      type: 'message.deleted',
      actorId: null,
      payload: { messageId: claimed._id, hard: true, changes: {}, reason: 'expired' },
    });
    expired += 1;
  }
  return expired;
}
