/**
 * The realtime JSON protocol, version 1 (docs/realtime-protocol.md). Every frame is a JSON object
 * with `v` (protocol version) and `type`. Client frames are validated here, at the edge; server
 * frames are built by the functions below so their shape lives in one place.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;
/** Offered by clients in `Sec-WebSocket-Protocol`; the server selects it. */
export const SUBPROTOCOL = 'caas.v1';
/** `bearer.<jwt>` in `Sec-WebSocket-Protocol` carries the user token without putting it in the URL. */
export const BEARER_PREFIX = 'bearer.';

const ConversationId = z.string().min(1).max(64);
const Seq = z.number().int().min(0);

const frame = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ v: z.literal(PROTOCOL_VERSION).optional(), type: z.literal(type), ...shape });

export const ClientFrame = z.discriminatedUnion('type', [
  frame('auth', { token: z.string().min(1).max(8_192) }),
  frame('resume', { conversations: z.record(ConversationId, Seq).default({}) }),
  frame('typing.start', { conversationId: ConversationId }),
  frame('typing.stop', { conversationId: ConversationId }),
  frame('presence.set', { status: z.enum(['online', 'away']) }),
  frame('presence.query', { userIds: z.array(z.string().min(1).max(128)).min(1).max(100) }),
  frame('ping', { id: z.union([z.string().max(64), z.number()]).optional() }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

export type PresenceStatus = 'online' | 'away' | 'offline';

export interface PresenceView {
  userId: string;
  status: PresenceStatus;
  /** Epoch ms of the user's last activity; null when never seen. */
  lastSeen: number | null;
}

/** The event shape pushed to clients (the REST events page uses the same). */
export interface EventFrameBody {
  id: string;
  conversationId: string;
  seq: number;
  type: string;
  actorId: string | null;
  at: number;
  payload: Record<string, unknown>;
}

const v = PROTOCOL_VERSION;

export const serverFrames = {
  ready: (connectionId: string, userId: string, expiresAt: number, heartbeatMs: number, maxReplay: number) =>
    ({ v, type: 'ready', connectionId, userId, expiresAt, heartbeatMs, maxReplay }) as const,
  authRefreshed: (expiresAt: number) => ({ v, type: 'auth.refreshed', expiresAt }) as const,
  /** Delivery has started; for each conversation, the sequence after which events will follow. */
  subscribed: (conversations: Record<string, number>) => ({ v, type: 'subscribed', conversations }) as const,
  event: (event: EventFrameBody) => ({ v, type: 'event', event }) as const,
  /** Too much was missed to replay: page GET /v1/conversations/:id/events?after=fromSeq up to toSeq. */
  resync: (conversationId: string, fromSeq: number, toSeq: number, reason: 'too_many_missed' | 'not_a_member') =>
    ({ v, type: 'resync', conversationId, fromSeq, toSeq, reason }) as const,
  typing: (conversationId: string, userId: string, state: 'start' | 'stop', expiresAt: number | null) =>
    ({ v, type: 'typing', conversationId, userId, state, expiresAt }) as const,
  presence: (view: PresenceView) => ({ v, type: 'presence', ...view }) as const,
  presenceState: (users: PresenceView[]) => ({ v, type: 'presence.state', users }) as const,
  /** Members of a conversation online now; pushed at a bounded rate (realtime/occupancy.ts). */
  occupancy: (conversationId: string, online: number) => ({ v, type: 'occupancy', conversationId, online }) as const,
  pong: (id: string | number | undefined) => ({ v, type: 'pong', ...(id === undefined ? {} : { id }) }) as const,
  error: (code: string, message: string, extra: Record<string, unknown> = {}) => ({ v, type: 'error', code, message, ...extra }) as const,
};

export type ServerFrame = ReturnType<(typeof serverFrames)[keyof typeof serverFrames]>;
