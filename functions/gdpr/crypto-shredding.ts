import type { Services } from '../../runtime/context.ts';
import { requireEnvelope } from '../keys/rotations.ts';
import { MESSAGES } from '../messages/messages.ts';

/**
 * Crypto-shredding in an erasure: destroying the user's data keys makes every copy of what they
 * wrote unreadable at once — the store, the event log, bus records and backups the job cannot
 * rewrite (docs/encryption.md). A legal hold on a conversation keeps the user's messages there
 * readable, so while one holds any of their messages the keys stay and erasure rewrites what it
 * can reach instead. Returns how many keys were destroyed.
 */
export async function shredUserKeys(services: Services, appId: string, userId: string, heldConversations: ReadonlySet<string>): Promise<number> {
  if (heldConversations.size > 0) {
    const held = await services.ports.store.collection(MESSAGES).findOne({ appId, authorId: userId, conversationId: { $in: [...heldConversations] } }, { projection: { _id: 1 } });
    if (held) return 0;
  }
  return requireEnvelope(services).shredUser(appId, userId);
}
