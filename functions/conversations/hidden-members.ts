import type { Services } from '../../runtime/context.ts';
import { MEMBERS, type MemberDoc } from './conversations.ts';

/**
 * Hiding a conversation lasts until its next message, so every new message must learn whether
 * any member hid it. It asks the read cache, not the store: at most one store lookup per
 * conversation and process per `CAAS_READ_CACHE_TTL_MS` instead of one per message (on FerretDB
 * without an index for its filters, a scan of every membership). Hiding drops the entry here at
 * once and in every other process through the cache's invalidations, so the next message brings
 * the member back; a lost invalidation delays that by the TTL at most (runtime/read-cache.ts), as
 * for bans.
 */
const readKey = (conversationId: string) => `hidden-members:${conversationId}`;

/** Call once a member's `hidden: true` has been written. */
export function memberHid(services: Pick<Services, 'reads'>, conversationId: string): Promise<void> {
  return services.reads.invalidate(readKey(conversationId));
}

/** Brings back the conversation for every member who hid it (a new message arrived). */
export async function unhideMembers(services: Services, conversationId: string): Promise<void> {
  const members = services.ports.store.collection<MemberDoc>(MEMBERS);
  const anyoneHid = await services.reads.read(readKey(conversationId), async () =>
    Boolean(await members.findOne({ conversationId, hidden: true }, { projection: { _id: 1 } })),
  );
  if (!anyoneHid) return;
  await members.updateMany({ conversationId, hidden: true }, { $set: { hidden: false } });
  await services.reads.invalidate(readKey(conversationId));
}
