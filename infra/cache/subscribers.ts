/**
 * The handlers of a pub/sub node, by channel: shared by the in-process and the Redis pub/sub, so
 * both count subscriptions and isolate failing handlers the same way.
 */
import type { MessageHandler } from './port.ts';

export type SubscriberErrorHandler = (error: unknown, channel: string) => void;

export interface Subscriber {
  handler: MessageHandler;
}

export class Subscribers {
  private readonly channels = new Map<string, Set<Subscriber>>();

  constructor(private readonly onHandlerError: SubscriberErrorHandler) {}

  /** A fresh subscriber per call, so one function subscribed twice is two independent subscriptions. */
  add(channel: string, handler: MessageHandler): Subscriber {
    const subscriber: Subscriber = { handler };
    let subscribers = this.channels.get(channel);
    if (!subscribers) {
      subscribers = new Set();
      this.channels.set(channel, subscribers);
    }
    subscribers.add(subscriber);
    return subscriber;
  }

  /** Returns true when this removal left the channel without subscribers. */
  remove(channel: string, subscriber: Subscriber): boolean {
    const subscribers = this.channels.get(channel);
    if (!subscribers?.delete(subscriber) || subscribers.size > 0) return false;
    this.channels.delete(channel);
    return true;
  }

  has(channel: string, subscriber: Subscriber): boolean {
    return this.channels.get(channel)?.has(subscriber) ?? false;
  }

  /** A snapshot: those subscribed now receive, whoever joins or leaves while they run. */
  of(channel: string): Subscriber[] | null {
    const subscribers = this.channels.get(channel);
    return subscribers ? [...subscribers] : null;
  }

  clear(): void {
    this.channels.clear();
  }

  /** Runs one handler; a throw or a rejection reaches onHandlerError, never the publisher or the others. */
  deliver(subscriber: Subscriber, channel: string, message: string): void {
    try {
      // Handlers are typed as returning void, but async ones are common: catch their rejections too.
      const result: unknown = subscriber.handler(message);
      if (result instanceof Promise) result.catch((error: unknown) => this.onHandlerError(error, channel));
    } catch (error) {
      this.onHandlerError(error, channel);
    }
  }
}
