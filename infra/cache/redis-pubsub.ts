/**
 * Pub/sub for the Redis cache: one dedicated subscriber connection per adapter (a connection in
 * subscribe mode can run nothing else), created on the first subscribe. Handlers live here, keyed
 * by channel; Redis only knows which channels this connection wants.
 *
 * - ioredis re-subscribes every channel after a reconnect (autoResubscribe), before it runs any
 *   queued command, so once `ping()` answers on this connection the subscriptions are live again.
 * - Redis runs the commands of one connection in order, so SUBSCRIBE and UNSUBSCRIBE decided
 *   synchronously at call time always leave Redis in the latest wanted state.
 * - A handler that throws (or rejects) reaches `onHandlerError`, never the publisher or the other
 *   subscribers.
 */
import type { Redis } from 'ioredis';
import type { EngineGuard } from '../resilience.ts';
import type { MessageHandler, Unsubscribe } from './port.ts';
import { Subscribers, type Subscriber, type SubscriberErrorHandler } from './subscribers.ts';

export class RedisPubSub {
  private readonly subscribers: Subscribers;
  private connection: Redis | null = null;

  constructor(
    private readonly openConnection: () => Redis,
    private readonly guard: EngineGuard,
    private readonly onHandlerError: SubscriberErrorHandler,
  ) {
    this.subscribers = new Subscribers(onHandlerError);
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe> {
    const subscriber = this.subscribers.add(channel, handler);
    try {
      // Sent for every subscriber (Redis ignores a repeat), so no call resolves before Redis has
      // acknowledged the channel, even while a first SUBSCRIBE is still in flight.
      await this.guard(`subscribe to '${channel}'`, () => this.subscriberConnection().subscribe(channel));
    } catch (error) {
      await this.remove(channel, subscriber).catch(() => {
        // The SUBSCRIBE failure below is the one the caller needs; this cleanup failing adds nothing.
      });
      throw error;
    }
    let unsubscribed = false;
    return async () => {
      if (unsubscribed) return;
      unsubscribed = true;
      await this.remove(channel, subscriber);
    };
  }

  /** Checks the subscriber connection (and so that its subscriptions are live); no-op without one. */
  async ping(): Promise<void> {
    const connection = this.connection;
    if (connection) await this.guard('ping (subscriber connection)', () => connection.ping());
  }

  async close(): Promise<void> {
    this.subscribers.clear();
    const connection = this.connection;
    this.connection = null;
    if (connection) await closeConnection(connection);
  }

  /** Handlers stop at once; Redis is told only when the channel's last handler leaves. */
  private async remove(channel: string, subscriber: Subscriber): Promise<void> {
    if (!this.subscribers.remove(channel, subscriber)) return;
    const connection = this.connection;
    if (connection) await this.guard(`unsubscribe from '${channel}'`, () => connection.unsubscribe(channel));
  }

  private subscriberConnection(): Redis {
    if (!this.connection) {
      const connection = this.openConnection();
      connection.on('message', (channel: string, message: string) => this.deliver(connection, channel, message));
      this.connection = connection;
    }
    return this.connection;
  }

  private deliver(connection: Redis, channel: string, message: string): void {
    const subscribers = this.subscribers.of(channel);
    if (!subscribers) {
      // A channel nobody here wants any more (e.g. its UNSUBSCRIBE failed while Redis was away and
      // ioredis re-subscribed it): drop it now. Ordered after any later SUBSCRIBE, so never wrong.
      connection.unsubscribe(channel).catch((error: unknown) => this.onHandlerError(error, channel));
      return;
    }
    for (const subscriber of subscribers) this.subscribers.deliver(subscriber, channel, message);
  }
}

/** QUIT when connected (lets Redis finish what it has), otherwise just drop the socket. */
export async function closeConnection(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    try {
      await connection.quit();
      return;
    } catch {
      // The connection broke while quitting: disconnecting below is all that is left to do.
    }
  }
  connection.disconnect();
}
