import { z } from 'zod';
import type { OutgoingMessage } from '../../infra/bus/port.ts';
import { AppError } from '../../runtime/errors.ts';
import type { EventDoc } from './events.ts';

/**
 * The one owner of the conversation event format: the public view (REST, WebSocket), the bus
 * form the outbox relay publishes and every consumer decodes (relay → bus → realtime, search
 * indexer, media worker), and who may see an event.
 */
export const EventView = z.object({
  id: z.string(),
  conversationId: z.string().min(1),
  seq: z.number().int().nonnegative(),
  type: z.string(),
  actorId: z.string().nullable(),
  at: z.number(),
  payload: z.record(z.string(), z.unknown()),
});
export type EventView = z.infer<typeof EventView>;

/** The bus form: the public view plus the app it belongs to. */
export const ConversationEvent = EventView.extend({ appId: z.string().min(1) });
export type ConversationEvent = z.infer<typeof ConversationEvent>;

export function toEventView(event: EventDoc): EventView {
  return {
    id: event._id,
    conversationId: event.conversationId,
    seq: event.seq,
    type: event.type,
    actorId: event.actorId,
    at: event.at,
    payload: event.payload,
  };
}

export function toConversationEvent(event: EventDoc): ConversationEvent {
  return { appId: event.appId, ...toEventView(event) };
}

/** The bus record of an event: keyed by conversation, so a conversation's events stay in order. */
export function encodeEvent(event: EventDoc): OutgoingMessage {
  return {
    key: event.conversationId,
    value: JSON.stringify(toConversationEvent(event)),
    headers: { appId: event.appId, type: event.type },
  };
}

/** Reads a bus value back; a malformed one throws AppError INTERNAL (the zod issues as its cause). */
export function decodeEvent(raw: string): ConversationEvent {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new AppError('INTERNAL', 'conversation event is not JSON', { cause: error });
  }
  const parsed = ConversationEvent.safeParse(value);
  if (!parsed.success) {
    throw new AppError('INTERNAL', `conversation event has an unexpected shape: ${raw.slice(0, 200)}`, { cause: parsed.error });
  }
  return parsed.data;
}

/** Shadowed messages reach only their author; a null viewer (the app's server key) sees all. */
export function eventVisibleTo(event: Pick<EventView, 'payload'>, viewerId: string | null): boolean {
  const message = event.payload.message as { shadowed?: boolean; authorId?: string | null } | undefined;
  return !message?.shadowed || viewerId === null || message.authorId === viewerId;
}
