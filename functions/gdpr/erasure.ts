import { createHash } from 'node:crypto';
import type { Services } from '../../runtime/context.ts';
import { CONVERSATIONS, MEMBERS, type ConversationDoc, type MemberDoc } from '../conversations/conversations.ts';
import { forgetConsents } from '../consents/consents.ts';
import { EVENTS, type EventDoc } from '../events/events.ts';
import { APP_EVENTS } from '../event-stream/app-event-log.ts';
import { SCHEDULED_MESSAGES } from '../scheduled/scheduled.ts';
import { MEDIA, type MediaDoc } from '../media/media-records.ts';
import { removeMedia } from '../media/media-removal.ts';
import { MESSAGES, REACTIONS, type MessageDoc, type ReactionDoc } from '../messages/messages.ts';
import { forgetAuthor } from '../search/indexing.ts';
import { deleteUser, findUser } from '../users/users.ts';
import { heldTargets, refuseIfUserHeld } from '../retention/legal-holds.ts';
import { scrubBusAndPurge } from './bus-scrub.ts';
import { shredUserKeys } from './crypto-shredding.ts';
import { jobId, jobs, setStep, type GdprJobDoc } from './gdpr-jobs.ts';

/**
 * Art. 17 erasure of one user of an app. Content is erased (message text, attachments, edit
 * history, custom data, event payloads, files, search entries, consents, export archives);
 * references that other people's data needs (a message's author slot) become a pseudonym
 * `erased_…` that no key can turn back into the user id. Each step is idempotent, so a job
 * interrupted half-way is finished by running it again. Returns what was erased, by kind.
 */
export function erasedAuthor(appId: string, userId: string): string {
  return `erased_${createHash('sha256').update(`${appId}\u0000${userId}\u0000${Math.random()}`).digest('hex').slice(0, 20)}`;
}

export async function runErasure(services: Services, job: GdprJobDoc): Promise<Record<string, number>> {
  const { store, blob } = services.ports;
  const { appId, userId } = job;
  const pseudonym = erasedAuthor(appId, userId);
  const now = services.clock.now();
  const result: Record<string, number> = {};
  // A hold placed after the request still stops the job; held conversations keep their messages.
  await refuseIfUserHeld(store, appId, userId);
  const heldConversations = (await heldTargets(store, appId)).conversations;
  const keep = { $nin: [...heldConversations] };

  await setStep(store, job._id, 'crypto-shredding');
  result.cryptoShredded = await shredUserKeys(services, appId, userId, heldConversations);

  await setStep(store, job._id, 'search');
  result.searchEntries = await forgetAuthor(services, appId, userId);

  await setStep(store, job._id, 'files');
  const media = await store.collection<MediaDoc>(MEDIA).find({ appId, uploaderId: userId });
  for (const item of media) await removeMedia(services, item);
  result.files = media.length;

  await setStep(store, job._id, 'messages');
  const messages = await store.collection<MessageDoc>(MESSAGES).updateMany(
    { appId, authorId: userId, conversationId: keep },
    { $set: { text: '', attachments: [], mentions: [], custom: {}, edits: [], authorId: pseudonym, erasedAt: now } },
  );
  result.messages = messages.modifiedCount;
  const previews = await store.collection<ConversationDoc>(CONVERSATIONS).updateMany(
    { appId, 'lastMessage.authorId': userId, _id: keep },
    { $set: { 'lastMessage.text': '', 'lastMessage.authorId': pseudonym } },
  );
  result.conversationPreviews = previews.modifiedCount;

  await setStep(store, job._id, 'events');
  const events = store.collection<EventDoc>(EVENTS);
  let erasedEvents = (await events.updateMany({ appId, actorId: userId, conversationId: keep }, { $set: { payload: { erased: true }, actorId: pseudonym } })).modifiedCount;
  erasedEvents += (await events.updateMany({ appId, 'payload.userId': userId, conversationId: keep }, { $set: { payload: { erased: true } } })).modifiedCount;
  erasedEvents += (await events.updateMany({ appId, 'payload.message.authorId': userId, conversationId: keep }, { $set: { payload: { erased: true } } })).modifiedCount;
  // The app-wide event log (GET /v1/events/stream) keeps its own copy of each event.
  const appEvents = store.collection(APP_EVENTS);
  for (const field of ['event.actorId', 'event.payload.userId', 'event.payload.message.authorId']) {
    erasedEvents += (await appEvents.updateMany({ appId, [field]: userId, 'event.conversationId': keep }, { $set: { 'event.payload': { erased: true } } })).modifiedCount;
  }
  await appEvents.updateMany({ appId, 'event.actorId': userId, 'event.conversationId': keep }, { $set: { 'event.actorId': pseudonym } });
  result.eventPayloads = erasedEvents;
  result.scheduledMessages = await store.collection(SCHEDULED_MESSAGES).deleteMany({ appId, authorId: userId });

  await setStep(store, job._id, 'reactions');
  const reactions = await store.collection<ReactionDoc>(REACTIONS).find({ appId, userId });
  for (const reaction of reactions) {
    await store.collection<MessageDoc>(MESSAGES).updateOne({ _id: reaction.messageId, appId }, { $inc: { [`reactionCounts.${reaction.emoji}`]: -1 } });
  }
  result.reactions = await store.collection<ReactionDoc>(REACTIONS).deleteMany({ appId, userId });

  await setStep(store, job._id, 'memberships');
  const memberships = await store.collection<MemberDoc>(MEMBERS).find({ appId, userId });
  for (const member of memberships) {
    await store.collection<ConversationDoc>(CONVERSATIONS).updateOne({ _id: member.conversationId, appId }, { $inc: { memberCount: -1 } });
  }
  result.memberships = await store.collection<MemberDoc>(MEMBERS).deleteMany({ appId, userId });

  await setStep(store, job._id, 'consents');
  result.consents = await forgetConsents(store, appId, userId);

  await setStep(store, job._id, 'exports');
  const exportId = jobId('export', appId, userId);
  result.exportArchives = await blob.deleteByPrefix(`${appId}/gdpr/${exportId}/`);
  await jobs(store).deleteOne({ _id: exportId });

  await setStep(store, job._id, 'profile');
  const profile = await findUser(store, appId, userId);
  if (profile) await deleteUser(services, appId, userId);
  result.profile = profile ? 1 : 0;

  await setStep(store, job._id, 'bus');
  result.busMessages = await scrubBusAndPurge(services, appId, userId, heldConversations);
  return result;
}
