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
