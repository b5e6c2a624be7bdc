import type { Services } from '../../runtime/context.ts';
import { isAppError } from '../../runtime/errors.ts';
import type { EventDoc } from '../events/events.ts';
import { CONVERSATIONS, MEMBERS, conversationChanged, memberChanged, memberKey, type ConversationDoc, type MemberDoc } from './conversations.ts';

/**
 * How conversation events change the conversation and member rows. Each applier is idempotent
 * (inserts ignore duplicates; updates are monotonic or absolute), so the outbox relay can apply
 * an event again after a writer died between the event and its projection.
 */
async function insertIgnoringDuplicates<T extends { _id: string }>(insert: () => Promise<T | void>): Promise<void> {
  try {
    await insert();
  } catch (error) {
    if (!(isAppError(error) && error.code === 'CONFLICT')) throw error;
  }
}

export async function projectConversationCreated(services: Services, event: EventDoc): Promise<void> {
  const { conversation, members } = event.payload as { conversation: ConversationDoc; members: MemberDoc[] };
  const store = services.ports.store;
  // createConversation writes these rows before the event (the unique direct key referees races
  // there), so they are normally all present: look first instead of failing an insert per member.
  const conversations = store.collection<ConversationDoc>(CONVERSATIONS);
  if (!(await conversations.findOne({ _id: conversation._id }, { projection: { _id: 1 } }))) {
    await insertIgnoringDuplicates(() => conversations.insertOne(conversation));
  }
  const present = new Set((await store.collection<MemberDoc>(MEMBERS).find({ conversationId: conversation._id }, { projection: { _id: 1 } })).map((member) => member._id));
  for (const member of members) {
    if (!present.has(member._id)) await insertIgnoringDuplicates(() => store.collection<MemberDoc>(MEMBERS).insertOne(member));
  }
  await conversationChanged(services, conversation._id);
  for (const member of members) await memberChanged(services, conversation._id, member.userId);
}

export async function projectConversationUpdated(services: Services, event: EventDoc): Promise<void> {
  const { changes } = event.payload as { changes: Partial<ConversationDoc> };
  await services.ports.store
    .collection<ConversationDoc>(CONVERSATIONS)
    .updateOne({ _id: event.conversationId }, { $set: { ...changes, updatedAt: event.at } });
  await conversationChanged(services, event.conversationId);
}

export async function projectMemberAdded(services: Services, event: EventDoc): Promise<void> {
  const { member } = event.payload as { member: MemberDoc };
  const store = services.ports.store;
  let added = true;
  try {
    await store.collection<MemberDoc>(MEMBERS).insertOne(member);
  } catch (error) {
    if (!(isAppError(error) && error.code === 'CONFLICT')) throw error;
    added = false;
  }
  if (added) await store.collection<ConversationDoc>(CONVERSATIONS).updateOne({ _id: event.conversationId }, { $inc: { memberCount: 1 } });
  await memberChanged(services, event.conversationId, member.userId);
}

export async function projectMemberRemoved(services: Services, event: EventDoc): Promise<void> {
  const { userId } = event.payload as { userId: string };
  const store = services.ports.store;
  const removed = await store.collection<MemberDoc>(MEMBERS).deleteOne({ _id: memberKey(event.conversationId, userId) });
  if (removed > 0) await store.collection<ConversationDoc>(CONVERSATIONS).updateOne({ _id: event.conversationId }, { $inc: { memberCount: -1 } });
  await memberChanged(services, event.conversationId, userId);
}

export async function projectMemberUpdated(services: Services, event: EventDoc): Promise<void> {
  const { userId, changes } = event.payload as { userId: string; changes: Partial<MemberDoc> };
  await services.ports.store.collection<MemberDoc>(MEMBERS).updateOne({ _id: memberKey(event.conversationId, userId) }, { $set: changes });
  await memberChanged(services, event.conversationId, userId);
}

export async function projectRead(services: Services, event: EventDoc): Promise<void> {
  const { userId, seq } = event.payload as { userId: string; seq: number };
  await services.ports.store
    .collection<MemberDoc>(MEMBERS)
    .updateOne({ _id: memberKey(event.conversationId, userId) }, { $max: { lastReadSeq: seq, lastDeliveredSeq: seq, lastReadAt: event.at } });
}

export async function projectDelivered(services: Services, event: EventDoc): Promise<void> {
  const { userId, seq } = event.payload as { userId: string; seq: number };
  await services.ports.store
    .collection<MemberDoc>(MEMBERS)
    .updateOne({ _id: memberKey(event.conversationId, userId) }, { $max: { lastDeliveredSeq: seq } });
}
