/**
 * The event as it travels from the outbox relay through the bus and the cache pub/sub to every
 * node: the public event view plus its app. Parsed once per node, framed once per node.
 */
import { toEventView, type EventDoc, type EventView } from '../functions/events/events.ts';
import { visibleEvent } from '../functions/events/list-events.ts';
import { AppError } from '../runtime/errors.ts';
import { serverFrames } from './protocol.ts';

export interface WireEvent extends EventView {
  appId: string;
}

export function parseWireEvent(raw: string): WireEvent {
  let value: Partial<WireEvent>;
  try {
    value = JSON.parse(raw) as Partial<WireEvent>;
  } catch (error) {
    throw new AppError('INTERNAL', '[realtime] conversation event is not JSON', { cause: error });
  }
  if (
    typeof value.appId !== 'string' ||
    typeof value.conversationId !== 'string' ||
    typeof value.seq !== 'number' ||
    typeof value.type !== 'string' ||
    typeof value.payload !== 'object' ||
    value.payload === null
  ) {
    throw new AppError('INTERNAL', `[realtime] conversation event has an unexpected shape: ${raw.slice(0, 200)}`);
  }
  return value as WireEvent;
}

export function wireFromDoc(doc: EventDoc): WireEvent {
  return { appId: doc.appId, ...toEventView(doc) };
}

/** The `event` frame, serialized: built once per event per node and sent as-is to every socket. */
export function eventFrame(event: WireEvent): Buffer {
  const { appId: _appId, ...view } = event;
  return Buffer.from(JSON.stringify(serverFrames.event(view)));
}

/** Shadowed messages reach only their author (the same rule as the REST events page). */
export function visibleTo(event: WireEvent, userId: string): boolean {
  // visibleEvent reads only the payload, which the wire event carries unchanged.
  return visibleEvent(event as unknown as EventDoc, userId);
}

/** Users this event makes members: `member.added`, or everyone listed at `conversation.created`. */
export function joinedUserIds(event: WireEvent): string[] {
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
export function leftUserId(event: WireEvent): string | null {
  return event.type === 'member.removed' && typeof event.payload.userId === 'string' ? event.payload.userId : null;
}
