/**
 * Typing indicators: ephemeral, never stored. `typing.start` is limited per user and conversation
 * across nodes (the cache's rate limiter) and ends by itself after `typingTtlMs` unless renewed;
 * the node that received it sends the `stop` when the client does, when the timer fires, or when
 * the socket closes.
 */
import type { Services } from '../runtime/context.ts';
import { AppError } from '../runtime/errors.ts';
import type { Connection } from './connection.ts';
import type { RealtimeOptions } from './options.ts';
import { serverFrames } from './protocol.ts';
import { publishSignal } from './signals.ts';

export class TypingRelay {
  constructor(
    private readonly services: Services,
    private readonly options: Pick<RealtimeOptions, 'typingTtlMs' | 'typingLimit' | 'typingWindowMs'>,
  ) {}

  async start(connection: Connection, conversationId: string): Promise<void> {
    if (!connection.cursors.has(conversationId)) throw new AppError('NOT_FOUND', `Conversation ${conversationId} not found`);
    const { appId, userId } = connection;
    const verdict = await this.services.ports.cache.rateLimit(`caas:rt:typing:${appId}:${conversationId}:${userId}`, {
      limit: this.options.typingLimit,
      windowMs: this.options.typingWindowMs,
    });
    if (!verdict.allowed) {
      connection.sendFrame(serverFrames.error('RATE_LIMITED', 'typing.start is rate limited', { retryAfterMs: verdict.retryAfterMs }));
      return;
    }
    const timers = (connection.typing ??= new Map());
    clearTimeout(timers.get(conversationId));
    const timer = setTimeout(() => void this.stop(connection, conversationId).catch((error: unknown) => this.failed(error)), this.options.typingTtlMs);
    timer.unref();
    timers.set(conversationId, timer);
    const expiresAt = this.services.clock.now() + this.options.typingTtlMs;
    await publishSignal(this.services.ports.cache, { kind: 'typing', appId, conversationId, userId, state: 'start', expiresAt });
  }

  /** Ends an indicator this socket started; a stop for one it did not start is ignored. */
  async stop(connection: Connection, conversationId: string): Promise<void> {
    const timer = connection.typing?.get(conversationId);
    if (timer === undefined) return;
    clearTimeout(timer);
    connection.typing!.delete(conversationId);
    const { appId, userId } = connection;
    await publishSignal(this.services.ports.cache, { kind: 'typing', appId, conversationId, userId, state: 'stop', expiresAt: null });
  }

  async stopAll(connection: Connection): Promise<void> {
    for (const conversationId of [...(connection.typing?.keys() ?? [])]) await this.stop(connection, conversationId);
  }

  private failed(error: unknown): void {
    this.services.log.warn({ err: error }, 'typing stop not published; clients expire it by its expiresAt');
  }
}
