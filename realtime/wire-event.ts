/**
 * What realtime reads from a conversation event as it travels from the outbox relay through the
 * bus and the cache pub/sub to every node (format: functions/events/event-codec.ts). Decoded once
 * per node, framed once per node.
 */
import type { ConversationEvent } from '../functions/events/event-codec.ts';
import { serverFrames } from './protocol.ts';

/** The `event` frame, serialized: built once per event per node and sent as-is to every socket. */
export function eventFrame(event: ConversationEvent): Buffer {
  const { appId: _appId, ...view } = event;
  return Buffer.from(JSON.stringify(serverFrames.event(view)));
}

/** Users this event makes members: `member.added`, or everyone listed at `conversation.created`. */
export function joinedUserIds(event: ConversationEvent): string[] {
  if (event.type === 'member.added') {
    const member = event.payload.member as { userId?: unknown } | undefined;
    return typeof member?.userId === 'string' ? [member.userId] : [];
  }
  if (event.type === 'conversation.created') {
    const members = event.payload.members as Array<{ userId?: unknown }> | undefined;
    return (members ?? []).map((member) => member.userId).filter((id): id is string => typeof id === 'string');
  }
  return [];
}

/** The user a `member.removed` event takes out, else null. */
export function leftUserId(event: ConversationEvent): string | null {
  return event.type === 'member.removed' && typeof event.payload.userId === 'string' ? event.payload.userId : null;
}
