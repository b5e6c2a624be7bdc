/**
 * At most one task per key at a time; calls made while one runs share the next one, which starts
 * when it is over and works on the value `keep` chose among theirs. Every caller's promise
 * settles after a task that started after its call, so none is answered by work that may have
 * missed it (a preview written before its message, a wake-up sent before its change). A failed
 * task fails its own callers only; the next one still runs.
 *
 * @example
 *   const previews = new Coalescer<MessageDoc>(writeRow, (queued, offered) => (offered.createdAt >= queued.createdAt ? offered : queued));
 *   await previews.run(message.conversationId, message);
 */
interface Slot<V> {
  running: Promise<void>;
  next: { value: V; done: Promise<void> } | null;
}

export class Coalescer<V> {
  private readonly slots = new Map<string, Slot<V>>();

  constructor(
    private readonly task: (key: string, value: V) => Promise<void>,
    /** Which value the next task works on: the one already queued or the one just offered. */
    private readonly keep: (queued: V, offered: V) => V = (_queued, offered) => offered,
  ) {}

  run(key: string, value: V): Promise<void> {
    const slot = this.slots.get(key);
    if (!slot) {
      const running = this.task(key, value).finally(() => this.advance(key));
      this.slots.set(key, { running, next: null });
      return running;
    }
    if (slot.next) {
      slot.next.value = this.keep(slot.next.value, value);
      return slot.next.done;
    }
    const next = { value, done: Promise.resolve() };
    next.done = slot.running.catch(() => undefined).then(() => this.task(key, next.value));
    slot.next = next;
    return next.done;
  }

  private advance(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    const next = slot.next;
    if (!next) {
      this.slots.delete(key);
      return;
    }
    slot.next = null;
    slot.running = next.done.finally(() => this.advance(key));
    // Its callers hold `next.done` and see a failure there; this copy only sequences the slot.
    slot.running.catch(() => undefined);
  }
}
