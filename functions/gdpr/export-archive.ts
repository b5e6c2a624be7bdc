import type { Services } from '../../runtime/context.ts';
import { MEMBERS, type MemberDoc } from '../conversations/conversations.ts';
import { consentHistory, toConsentView } from '../consents/consents.ts';
import { MEDIA, type MediaDoc } from '../media/media-records.ts';
import { MESSAGES, REACTIONS, type MessageDoc, type ReactionDoc } from '../messages/messages.ts';
import { findUser } from '../users/users.ts';
import { setStep, type GdprJobDoc } from './gdpr-jobs.ts';

/**
 * The Art. 15/20 archive: one machine-readable JSON document with everything the platform keeps
 * about a user of an app — profile, memberships and read/delivery receipts, the messages they
 * wrote (with edit history), their reactions, their consents, and the files they uploaded
 * (base64) — written to blob storage beside nothing else.
 */
export function archiveKey(job: GdprJobDoc): string {
  return `${job.appId}/gdpr/${job._id}/archive.json`;
}

export async function buildExport(services: Services, job: GdprJobDoc): Promise<Record<string, number>> {
  const { store, blob } = services.ports;
  const { appId, userId } = job;
  await setStep(store, job._id, 'profile');
  const profile = await findUser(store, appId, userId);
  await setStep(store, job._id, 'memberships');
  const memberships = await store.collection<MemberDoc>(MEMBERS).find({ appId, userId }, { sort: { joinedAt: 1 } });
  await setStep(store, job._id, 'messages');
  const messages = await store.collection<MessageDoc>(MESSAGES).find({ appId, authorId: userId }, { sort: { createdAt: 1 } });
  const reactions = await store.collection<ReactionDoc>(REACTIONS).find({ appId, userId }, { sort: { createdAt: 1 } });
  const consents = await consentHistory(store, appId, userId);
  await setStep(store, job._id, 'files');
  const media = await store.collection<MediaDoc>(MEDIA).find({ appId, uploaderId: userId, status: 'ready' }, { sort: { createdAt: 1 } });
  const files = [];
  for (const item of media) {
    const bytes = await blob.get(item.key);
    if (bytes) files.push({ id: item._id, fileName: item.fileName, contentType: item.contentType, size: item.size, createdAt: item.createdAt, base64: Buffer.from(bytes).toString('base64') });
  }
  const archive = {
    format: 'caas-gdpr-export/1',
    appId,
    userId,
    exportedAt: services.clock.now(),
    profile: profile ? { id: userId, name: profile.name, image: profile.image, custom: profile.custom, createdAt: profile.createdAt, updatedAt: profile.updatedAt } : null,
    memberships: memberships.map((m) => ({ conversationId: m.conversationId, role: m.role, joinedAt: m.joinedAt, mutedUntil: m.mutedUntil, hidden: m.hidden, archived: m.archived })),
    receipts: memberships.map((m) => ({ conversationId: m.conversationId, lastReadSeq: m.lastReadSeq, lastReadAt: m.lastReadAt, lastDeliveredSeq: m.lastDeliveredSeq })),
    messages: messages.map((m) => ({
      id: m._id, conversationId: m.conversationId, seq: m.seq, text: m.text, attachments: m.attachments, mentions: m.mentions, custom: m.custom,
      parentId: m.parentId, createdAt: m.createdAt, editedAt: m.editedAt, edits: m.edits, deletedAt: m.deletedAt,
    })),
    reactions: reactions.map((r) => ({ messageId: r.messageId, conversationId: r.conversationId, emoji: r.emoji, createdAt: r.createdAt })),
    consents: consents.map(toConsentView),
    files,
  };
  await setStep(store, job._id, 'writing');
  await blob.put(archiveKey(job), new TextEncoder().encode(JSON.stringify(archive)), { contentType: 'application/json' });
  return { messages: messages.length, memberships: memberships.length, reactions: reactions.length, consents: consents.length, files: files.length };
}
