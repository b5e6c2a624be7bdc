import { AUDIT_TOPIC, type AuditRecord } from '../../runtime/audit/audit-trail.ts';
import type { Services } from '../../runtime/context.ts';
import { newId } from '../../runtime/ids.ts';
import { CONVERSATIONS, type ConversationDoc } from '../conversations/conversations.ts';
import { EVENTS, type EventDoc } from '../events/events.ts';
import { APP_EVENTS } from '../event-stream/app-event-log.ts';
import { MEDIA, type MediaDoc } from '../media/media-records.ts';
import { removeMedia } from '../media/media-removal.ts';
import { MESSAGES, REACTIONS, type MessageDoc } from '../messages/messages.ts';
import { withIndexes, writeTargets } from '../search/search-indexes.ts';
import { CONVERSATION_EVENTS_TOPIC } from '../events/events.ts';
import { heldTargets } from './legal-holds.ts';
import { DAY_MS, policies, type PolicyDoc } from './retention-policies.ts';

/**
 * One retention pass over every app with a policy, at the platform clock's "now": in each
 * conversation not under legal hold, messages older than the effective policy's age (the
 * conversation's, else the app's) and not written by a held user are deleted or redacted, with
 * their media, search entries and event payloads; each conversation swept is audited
 * (`retention.sweep`). Returns the number of messages it deleted or redacted.
 */
export async function sweepRetention(services: Services): Promise<number> {
  const all = await policies(services.ports.store).find({});
  const byApp = new Map<string, PolicyDoc[]>();
  for (const policy of all) byApp.set(policy.appId, [...(byApp.get(policy.appId) ?? []), policy]);
  let total = 0;
  for (const [appId, appPolicies] of byApp) total += await sweepApp(services, appId, appPolicies);
  return total;
}

async function sweepApp(services: Services, appId: string, appPolicies: PolicyDoc[]): Promise<number> {
  const { store } = services.ports;
  const held = await heldTargets(store, appId);
  const appPolicy = appPolicies.find((p) => p.conversationId === null) ?? null;
  const own = new Map(appPolicies.filter((p) => p.conversationId !== null).map((p) => [p.conversationId!, p]));
  const conversationIds = appPolicy
    ? (await store.collection<ConversationDoc>(CONVERSATIONS).find({ appId }, { projection: { _id: 1 } })).map((c) => c._id)
    : [...own.keys()];
  let total = 0;
  for (const conversationId of conversationIds) {
    if (held.conversations.has(conversationId)) continue;
    const policy = own.get(conversationId) ?? appPolicy;
    if (policy) total += await sweepConversation(services, appId, conversationId, policy, held.users);
  }
  return total;
}

async function sweepConversation(services: Services, appId: string, conversationId: string, policy: PolicyDoc, heldUsers: Set<string>): Promise<number> {
  const { store, search } = services.ports;
  const now = services.clock.now();
  const cutoff = now - policy.maxAgeDays * DAY_MS;
  const filter: Record<string, unknown> = { appId, conversationId, createdAt: { $lt: cutoff }, authorId: { $nin: [...heldUsers] } };
  if (policy.action === 'redact') filter.redactedAt = { $exists: false };
  const messages = await store.collection<MessageDoc>(MESSAGES).find(filter, { projection: { _id: 1, attachments: 1 } });
  if (messages.length === 0) return 0;
  const ids = messages.map((m) => m._id);

  const mediaIds = [...new Set(messages.flatMap((m) => m.attachments))];
  for (const media of await store.collection<MediaDoc>(MEDIA).find({ appId, _id: { $in: mediaIds } })) await removeMedia(services, media);
  await withIndexes(services, appId, async (state) => {
    for (const index of writeTargets(state)) for (const id of ids) await search.delete(index, id);
  });
  await store.collection<EventDoc>(EVENTS).updateMany(
    { appId, conversationId, $or: [{ 'payload.message._id': { $in: ids } }, { 'payload.messageId': { $in: ids } }] },
    { $set: { payload: { retention: policy.action } } },
  );
  await store.collection(APP_EVENTS).updateMany(
    { appId, 'event.conversationId': conversationId, $or: [{ 'event.payload.message._id': { $in: ids } }, { 'event.payload.messageId': { $in: ids } }] },
    { $set: { 'event.payload': { retention: policy.action } } },
  );
  await store.collection<ConversationDoc>(CONVERSATIONS).updateMany({ _id: conversationId, 'lastMessage.id': { $in: ids } }, { $set: { 'lastMessage.text': '' } });
  if (policy.action === 'delete') {
    await store.collection(REACTIONS).deleteMany({ appId, messageId: { $in: ids } });
    await store.collection<MessageDoc>(MESSAGES).deleteMany({ appId, _id: { $in: ids } });
  } else {
    await store.collection<MessageDoc>(MESSAGES).updateMany(
      { appId, _id: { $in: ids } },
      { $set: { text: '', attachments: [], mentions: [], custom: {}, edits: [], redactedAt: now } },
    );
  }
  await scrubBus(services, conversationId, new Set(ids), policy.action);
  await auditSweep(services, appId, conversationId, policy, ids.length, now);
  return ids.length;
}

/** The embedded bus log's copies of these messages' events, emptied like the stored events (see gdpr/bus-scrub.ts). */
async function scrubBus(services: Services, conversationId: string, ids: Set<string>, action: string): Promise<void> {
  const { bus, store, search } = services.ports;
  if (!bus.rewrite) return;
  await bus.rewrite(CONVERSATION_EVENTS_TOPIC, ({ key, value }) => {
    if (key !== conversationId) return null;
    let event: { payload?: { messageId?: string; message?: { _id?: string } } };
    try {
      event = JSON.parse(value) as typeof event;
    } catch {
      return null; // not an event: nothing of these messages in it
    }
    const messageId = event.payload?.messageId ?? event.payload?.message?._id;
    return messageId && ids.has(messageId) ? JSON.stringify({ ...event, payload: { retention: action } }) : null;
  });
  await bus.purgeErased?.();
  await store.purgeErased?.();
  await search.purgeErased?.();
}

async function auditSweep(services: Services, appId: string, conversationId: string, policy: PolicyDoc, count: number, now: number): Promise<void> {
  const record: AuditRecord = {
    at: now,
    requestId: newId('swp', now),
    appId,
    actor: { kind: 'system', id: 'retention-sweeper' },
    action: `retention.${policy.action}`,
    method: 'SWEEP',
    path: `/v1/conversations/${conversationId}/messages`,
    target: { conversationId, messages: String(count), maxAgeDays: String(policy.maxAgeDays) },
    status: 200,
    outcome: 'success',
  };
  await services.ports.bus.publish(AUDIT_TOPIC, [{ key: appId, value: JSON.stringify(record) }]);
}
