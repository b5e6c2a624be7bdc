/**
 * In-process pub/sub with Redis's delivery shape: `publish` resolves before any handler runs
 * (delivery is queued as a macrotask, in publish order per channel), and a failing handler never
 * reaches the publisher or the other subscribers; its error goes to `onHandlerError`.
 */
import type { MessageHandler, Unsubscribe } from './port.ts';
import { Subscribers, type SubscriberErrorHandler } from './subscribers.ts';

export type { SubscriberErrorHandler } from './subscribers.ts';

export class LocalPubSub {
  private readonly subscribers: Subscribers;

  constructor(onHandlerError: SubscriberErrorHandler) {
    this.subscribers = new Subscribers(onHandlerError);
  }

  publish(channel: string, message: string): void {
    // Snapshot: like Redis, a message reaches those subscribed when it was published.
    const recipients = this.subscribers.of(channel);
    if (!recipients || recipients.length === 0) return;
    setImmediate(() => {
      for (const subscriber of recipients) {
        // Skip handlers that unsubscribed between publish and delivery.
        if (this.subscribers.has(channel, subscriber)) this.subscribers.deliver(subscriber, channel, message);
      }
    });
  }

  subscribe(channel: string, handler: MessageHandler): Unsubscribe {
    const subscriber = this.subscribers.add(channel, handler);
    return async () => {
      this.subscribers.remove(channel, subscriber);
    };
  }

  clear(): void {
    this.subscribers.clear();
  }
}
