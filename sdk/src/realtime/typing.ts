import type { RealtimeClient } from './client.ts';

/**
 * Sends typing for one conversation from keystrokes: `typing.start` at most every `renewMs` while
 * the user types, `typing.stop` after `idleMs` without a keystroke or when `stop()` is called.
 */
export function typingIndicator(client: RealtimeClient, conversationId: string, { renewMs = 3_000, idleMs = 4_000 } = {}) {
  let lastStart = 0;
  let idle: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    clearTimeout(idle);
    idle = undefined;
    if (lastStart !== 0) client.typingStop(conversationId);
    lastStart = 0;
  };
  return {
    keystroke(): void {
      const now = Date.now();
      if (now - lastStart >= renewMs) {
        client.typingStart(conversationId);
        lastStart = now;
      }
      clearTimeout(idle);
      idle = setTimeout(stop, idleMs);
    },
    stop,
  };
}

/** Who is typing where, from `typing` frames; entries end at `expiresAt` even if `stop` never comes. */
export function typingTracker(client: RealtimeClient, onChange: (conversationId: string, userIds: string[]) => void) {
  const typing = new Map<string, Map<string, ReturnType<typeof setTimeout>>>();
  const publish = (conversationId: string) => onChange(conversationId, [...(typing.get(conversationId)?.keys() ?? [])]);
  const remove = (conversationId: string, userId: string) => {
    const users = typing.get(conversationId);
    clearTimeout(users?.get(userId));
    if (users?.delete(userId)) publish(conversationId);
  };
  return client.on('typing', (frame) => {
    remove(frame.conversationId, frame.userId);
    if (frame.state !== 'start' || frame.expiresAt === null) return;
    let users = typing.get(frame.conversationId);
    if (!users) typing.set(frame.conversationId, (users = new Map()));
    users.set(frame.userId, setTimeout(() => remove(frame.conversationId, frame.userId), Math.max(0, frame.expiresAt - Date.now())));
    publish(frame.conversationId);
  });
}
