/**
 * Frame and event types of docs/realtime-protocol.md, taken type-only from the server's protocol
 * module and the REST views so they cannot drift.
 */
import type { EventFrameBody, PresenceStatus, PresenceView, ServerFrame } from '../../../realtime/protocol.ts';
import type { ResultOf } from '../rest/types.ts';

export type { PresenceStatus, PresenceView, ServerFrame };

export type Message = ResultOf<'messages.get'>;
export type ChatEvent = EventFrameBody;
export type EventType =
  | 'conversation.created' | 'conversation.updated' | 'member.added' | 'member.updated' | 'member.removed'
  | 'message.new' | 'message.updated' | 'message.deleted' | 'message.pinned' | 'message.unpinned'
  | 'reaction.added' | 'reaction.removed' | 'read' | 'delivered';

/** An event that carries a message (new, edited, deleted, pinned). */
export type MessageEvent = ChatEvent & { type: 'message.new' | 'message.updated' | 'message.deleted'; payload: { message: Message } };

export function isMessageEvent(event: ChatEvent): event is MessageEvent {
  return event.type.startsWith('message.') && typeof (event.payload as { message?: unknown }).message === 'object';
}

type FrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What a RealtimeClient emits, by name. */
export interface RealtimeEvents {
  /** A conversation event, in order and once per conversation (deduplicated across reconnects). */
  event: ChatEvent;
  typing: FrameOf<'typing'>;
  presence: FrameOf<'presence'>;
  ready: FrameOf<'ready'>;
  /** Delivery (re)started: every missed event up to now is replayed after this. */
  subscribed: FrameOf<'subscribed'>;
  resync: FrameOf<'resync'>;
  /** An `error` frame (the connection stays open) or a client-side failure. */
  error: { code: string; message: string; retryAfterMs?: number };
  state: { state: ConnectionState; closeCode?: number; retryInMs?: number };
}
