import type { RestClient } from '../rest/client.ts';
import { isRetryable } from '../rest/errors.ts';
import type { BodyOf } from '../rest/types.ts';
import type { Message } from '../realtime/frames.ts';
import { memoryOutboxStore, type OutboxItem, type OutboxStore } from './store.ts';

export interface OutboxOptions {
  /** A REST client acting as the sending user. */
  rest: RestClient;
  /** Default memory; use indexedDbOutboxStore(...) in browsers. */
  store?: OutboxStore;
  /** A queued message reached the server (once: retries carry the same clientMessageId). */
  onSent?: (item: OutboxItem, message: Message) => void;
  /** The server refused it for good (4xx): it leaves the queue. */
  onFailed?: (item: OutboxItem, error: unknown) => void;
  /** Sending stopped on a network error or 5xx: the rest waits for the next flush. */
  onOffline?: (error: unknown) => void;
}

/**
 * Sends messages in order, exactly once, whatever the network does. `send` queues (with a fixed
 * clientMessageId) and flushes; a send that fails for lack of network stays queued, and so does
 * everything after it, until `flush()` runs again — call it when the connection returns (the
 * RealtimeClient's `subscribed` event, the browser's `online` event). A retried send whose first
 * attempt did reach the server is answered with that first message, never a duplicate.
 */
export class Outbox {
  readonly #store: OutboxStore;
  #flushing: Promise<void> | undefined;
  #again = false;
  #order = Date.now() * 1000;

  constructor(private readonly options: OutboxOptions) {
    this.#store = options.store ?? memoryOutboxStore();
  }

  /** Queues a message and tries to send the queue; resolves once it is queued (durably). */
  async send(conversationId: string, body: BodyOf<'messages.send'> = {}): Promise<OutboxItem> {
    const clientMessageId = body.clientMessageId ?? globalThis.crypto.randomUUID();
    const item: OutboxItem = { clientMessageId, conversationId, body: { ...body, clientMessageId }, order: this.#order++, queuedAt: Date.now() };
    await this.#store.put(item);
    void this.flush();
    return item;
  }

  /** Messages not yet accepted by the server, in the order they will go. */
  pending(): Promise<OutboxItem[]> {
    return this.#store.load();
  }

  /** Sends what is queued, in order; one flush at a time (a call during a flush runs once more after it). */
  flush(): Promise<void> {
    if (this.#flushing) {
      this.#again = true;
      return this.#flushing;
    }
    this.#flushing = (async () => {
      do {
        this.#again = false;
        await this.#drain();
      } while (this.#again);
    })().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    for (const item of await this.#store.load()) {
      this.#order = Math.max(this.#order, item.order + 1);
      try {
        const sent = await this.options.rest.call('messages.send', { params: { conversationId: item.conversationId }, body: item.body });
        await this.#store.delete(item.clientMessageId);
        // Without sendAt the answer is the message; with it, the scheduled message (not a Message).
        if (!('sendAt' in sent)) this.options.onSent?.(item, sent);
      } catch (error) {
        if (isRetryable(error)) {
          this.#again = false;
          this.options.onOffline?.(error);
          return;
        }
        await this.#store.delete(item.clientMessageId);
        this.options.onFailed?.(item, error);
      }
    }
  }
}
