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
  messageNewProjected,
  projectMessageChanged,
  projectMessageDeleted,
  projectMessageNew,
  projectReactionAdded,
  projectReactionRemoved,
} from '../messages/message-projections.ts';
import type { EventDoc, EventType } from './events.ts';

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

/**
 * Whether an event's projection is known to have run, so a relay that finds it late need not
 * apply it again. Only message.new (most events) can tell with one lookup; for the others the
 * answer is false and the projection, idempotent, is applied.
 */
export function projectionApplied(services: Services, event: EventDoc): Promise<boolean> {
  return event.type === 'message.new' ? messageNewProjected(services, event) : Promise.resolve(false);
}
