/**
 * Ephemeral signals — typing, presence and occupancy — travel between nodes on one cache pub/sub channel and
 * are never stored. Each node delivers a signal to its local sockets in the conversations it names,
 * except the sockets of the user it is about; the frame is serialized once per node.
 */
import type { CachePort } from '../infra/cache/port.ts';
import type { ConversationCursor, CursorSocket } from './cursor.ts';
import { serverFrames, type PresenceView } from './protocol.ts';

export const SIGNALS_CHANNEL = 'caas:realtime:signals';

export type Signal =
  | { kind: 'typing'; appId: string; conversationId: string; userId: string; state: 'start' | 'stop'; expiresAt: number | null }
  | ({ kind: 'presence'; appId: string; conversationIds: string[] } & PresenceView)
  | { kind: 'occupancy'; appId: string; conversationId: string; online: number };

export function publishSignal(cache: CachePort, signal: Signal): Promise<void> {
  return cache.publish(SIGNALS_CHANNEL, JSON.stringify(signal));
}

type CursorLookup = (conversationId: string) => ReadonlySet<ConversationCursor> | undefined;

/** Delivers one signal to the local sockets that may see it. */
export function routeSignal(signal: Signal, cursorsOf: CursorLookup): void {
  const frame =
    signal.kind === 'typing'
      ? serverFrames.typing(signal.conversationId, signal.userId, signal.state, signal.expiresAt)
      : signal.kind === 'occupancy'
        ? serverFrames.occupancy(signal.conversationId, signal.online)
        : serverFrames.presence({ userId: signal.userId, status: signal.status, lastSeen: signal.lastSeen });
  let bytes: Buffer | null = null;
  const reached = new Set<CursorSocket>();
  const ids = signal.kind === 'presence' ? signal.conversationIds : [signal.conversationId];
  // Typing and presence are about someone, who is not told about themselves; occupancy goes to everyone.
  const about = signal.kind === 'occupancy' ? null : signal.userId;
  for (const conversationId of ids) {
    for (const cursor of cursorsOf(conversationId) ?? []) {
      const socket = cursor.socket;
      if (cursor.appId !== signal.appId || socket.userId === about || reached.has(socket)) continue;
      reached.add(socket);
      socket.send((bytes ??= Buffer.from(JSON.stringify(frame))));
    }
  }
}
