import type { Services } from '../../runtime/context.ts';
import {
  projectConversationCreated,
  projectConversationUpdated,
  projectDelivered,
  projectMemberAdded,
  projectMemberRemoved,
  projectMemberUpdated,
  projectRead,
} from '../conversations/conversation-projections.ts';
import {
  projectMessageChanged,
  projectMessageDeleted,
  projectMessageNew,
  projectReactionAdded,
  projectReactionRemoved,
} from '../messages/message-projections.ts';
import { appendEvent, type EventDoc, type EventType, type NewEvent } from './events.ts';

type Projection = (services: Services, event: EventDoc) => Promise<void>;

const PROJECTIONS: Record<EventType, Projection> = {
  'conversation.created': projectConversationCreated,
  'conversation.updated': projectConversationUpdated,
  'member.added': projectMemberAdded,
  'member.updated': projectMemberUpdated,
  'member.removed': projectMemberRemoved,
  'message.new': projectMessageNew,
  'message.updated': projectMessageChanged,
  'message.deleted': projectMessageDeleted,
  'message.pinned': projectMessageChanged,
  'message.unpinned': projectMessageChanged,
  'reaction.added': projectReactionAdded,
  'reaction.removed': projectReactionRemoved,
  read: projectRead,
  delivered: projectDelivered,
};

/** Applies an event's change to the rows that reflect it (idempotent; see each projection). */
export function applyProjection(services: Services, event: EventDoc): Promise<void> {
  return PROJECTIONS[event.type](services, event);
}

export const OUTBOX_WAKE_CHANNEL = 'caas:outbox:wake';

/**
 * The one way to change a conversation: append the event (commit point, outbox row), apply its
 * projection, and nudge the outbox relay. Everything the change needs must be validated before.
 */
export async function recordChange(services: Services, change: NewEvent): Promise<EventDoc> {
  const event = await appendEvent(services, change);
  await applyProjection(services, event);
  void services.ports.cache.publish(OUTBOX_WAKE_CHANNEL, event.conversationId).catch((error: unknown) => {
    services.log.warn({ err: error }, 'outbox wake-up not sent; the relay will find the event on its next poll');
  });
  return event;
}
