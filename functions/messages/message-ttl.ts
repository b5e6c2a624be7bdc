import { z } from 'zod';

/**
 * Disappearing messages: a message expires `ttlSeconds` after it is sent — its own `ttlSeconds`,
 * else its conversation's `messageTtlSeconds` — and is then removed everywhere by the expiry
 * worker (workers/message-expiry.ts) through a normal hard `message.deleted` event.
 */
export const MAX_MESSAGE_TTL_SECONDS = 365 * 24 * 3600;

export const TtlSeconds = z.number().int().min(1).max(MAX_MESSAGE_TTL_SECONDS);

/** When a message sent at `sentAt` expires, or null when it never does. */
export function expiresAtFor(sentAt: number, ownTtlSeconds: number | undefined, conversationTtlSeconds: number | null | undefined): number | null {
  const ttl = ownTtlSeconds ?? conversationTtlSeconds ?? null;
  return ttl === null ? null : sentAt + ttl * 1000;
}
