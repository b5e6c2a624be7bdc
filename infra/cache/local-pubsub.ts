/**
 * In-process pub/sub with Redis's delivery shape: `publish` resolves before any handler runs
 * (delivery is queued as a macrotask, in publish order per channel), and a failing handler never
 * reaches the publisher or the other subscribers; its error goes to `onHandlerError`.
 */
import type { MessageHandler, Unsubscribe } from './port.ts';

export type SubscriberErrorHandler = (error: unknown, channel: string) => void;

interface Subscriber {
  handler: MessageHandler;
}

export class LocalPubSub {
  private readonly channels = new Map<string, Set<Subscriber>>();

  constructor(private readonly onHandlerError: SubscriberErrorHandler) {}

  publish(channel: string, message: string): void {
    const subscribers = this.channels.get(channel);
    if (!subscribers || subscribers.size === 0) return;
    // Snapshot: like Redis, a message reaches those subscribed when it was published.
    const recipients = [...subscribers];
    setImmediate(() => {
      for (const subscriber of recipients) {
        // Skip handlers that unsubscribed between publish and delivery.
        if (this.channels.get(channel)?.has(subscriber)) this.deliver(subscriber, channel, message);
      }
    });
  }

  subscribe(channel: string, handler: MessageHandler): Unsubscribe {
    // A fresh object per call, so one function subscribed twice is two independent subscriptions.
    const subscriber: Subscriber = { handler };
    let subscribers = this.channels.get(channel);
    if (!subscribers) {
      subscribers = new Set();
      this.channels.set(channel, subscribers);
    }
    subscribers.add(subscriber);
    return async () => {
      const current = this.channels.get(channel);
      if (!current) return;
      current.delete(subscriber);
      if (current.size === 0) this.channels.delete(channel);
    };
  }

  clear(): void {
    this.channels.clear();
  }

  private deliver(subscriber: Subscriber, channel: string, message: string): void {
    try {
      // Handlers are typed as returning void, but async ones are common: catch their rejections too.
      const result: unknown = subscriber.handler(message);
      if (result instanceof Promise) result.catch((error: unknown) => this.onHandlerError(error, channel));
    } catch (error) {
      this.onHandlerError(error, channel);
    }
  }
}
