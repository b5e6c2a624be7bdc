/**
 * Frame and event types of docs/realtime-protocol.md, taken type-only from the server's protocol
 * module and the REST views so they cannot drift.
 */
import type { EventFrameBody, PresenceStatus, PresenceView, ServerFrame } from '../../../realtime/protocol.ts';
import type { MessageDoc } from '../../../functions/messages/messages.ts';
import type { ResultOf } from '../rest/types.ts';

export type { PresenceStatus, PresenceView, ServerFrame };

export type Message = ResultOf<'messages.get'>;
export type ChatEvent = EventFrameBody;
export type EventType =
  | 'conversation.created' | 'conversation.updated' | 'member.added' | 'member.updated' | 'member.removed'
  | 'message.new' | 'message.updated' | 'message.deleted' | 'message.pinned' | 'message.unpinned'
  | 'reaction.added' | 'reaction.removed' | 'read' | 'delivered';

/** `message.new` carries the stored message (`_id`, not `id`); `messageOf` gives it the REST shape. */
export type NewMessageEvent = ChatEvent & { type: 'message.new'; payload: { message: MessageDoc } };
/** `message.updated` / `message.deleted` name the message and the fields that changed. */
export type MessageChangeEvent = ChatEvent & { type: 'message.updated' | 'message.deleted'; payload: { messageId: string; changes?: Partial<Message> } };

export function isNewMessage(event: ChatEvent): event is NewMessageEvent {
  return event.type === 'message.new' && typeof (event.payload as { message?: unknown }).message === 'object';
}

export function isMessageChange(event: ChatEvent): event is MessageChangeEvent {
  return (event.type === 'message.updated' || event.type === 'message.deleted') && typeof event.payload.messageId === 'string';
}

/** The message of a `message.new` event, shaped like `GET /v1/messages/:id` answers it. */
export function messageOf(event: NewMessageEvent): Message {
  // Servers since the public event views carry the REST shape itself; older ones the stored row.
  const view = event.payload.message as unknown as Message & { _id?: string };
  if (view._id === undefined && typeof view.id === 'string') return view;
  const m = event.payload.message;
  return {
    id: m._id, conversationId: m.conversationId, seq: m.seq, authorId: m.authorId, type: m.type, text: m.text, erased: m.erased === true,
    attachments: m.attachments, mentions: m.mentions, custom: m.custom, parentId: m.parentId, quotedId: m.quotedId,
    silent: m.silent, clientMessageId: m.clientMessageId, createdAt: m.createdAt, editedAt: m.editedAt,
    deleted: m.deletedAt !== null, deletedAt: m.deletedAt, reactionCounts: m.reactionCounts, ownReactions: [],
    replyCount: m.replyCount, latestReplierIds: [...m.latestReplierIds].reverse(), pinnedAt: m.pinnedAt, pinnedBy: m.pinnedBy,
    expiresAt: m.expiresAt ?? null,
  };
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
  /** The server accepted a fresh token from the token callback; the connection lives on. */
  refreshed: FrameOf<'auth.refreshed'>;
  /** Delivery (re)started: every missed event up to now is replayed after this. */
  subscribed: FrameOf<'subscribed'>;
  resync: FrameOf<'resync'>;
  /** An `error` frame (the connection stays open) or a client-side failure. */
  error: { code: string; message: string; retryAfterMs?: number };
  state: { state: ConnectionState; closeCode?: number; retryInMs?: number };
}
