import { toConversationView } from '../conversations/conversation-views.ts';
import type { ConversationDoc } from '../conversations/conversations.ts';

/**
 * The public form of an event payload, as REST shows the same things: the stored event keeps
 * whole documents (projections and internal consumers need them), every event a client sees
 * (GET …/events, realtime frames) carries this instead. Store ids become `id`; app ids,
 * uniqueness keys and every member's own state (hidden, archived, read and delivery markers,
 * mute) are dropped; a conversation is its REST view without anyone's membership.
 */
const PRIVATE_FIELDS = new Set([
  'appId', 'directKey', 'uniqueKey', 'hidden', 'archived', 'lastReadSeq', 'lastReadAt', 'lastDeliveredSeq', 'mutedUntil', 'shadowed',
  'published', 'version',
]);

function scrubObject(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (PRIVATE_FIELDS.has(key)) continue;
    if (key === '_id') out.id ??= inner;
    else out[key] = inner;
  }
  return out;
}

function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value !== null && typeof value === 'object') return scrubObject(value as Record<string, unknown>);
  return value;
}

function isConversationDoc(value: unknown): value is ConversationDoc {
  return value !== null && typeof value === 'object' && typeof (value as { _id?: unknown })._id === 'string' && 'memberCount' in value;
}

export function publicPayload(payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (PRIVATE_FIELDS.has(key)) continue;
    if (key === 'conversation' && isConversationDoc(value)) {
      const { membership: _membership, ...view } = toConversationView(value, null);
      out[key] = view;
    } else {
      out[key] = scrub(value);
    }
  }
  return out;
}
