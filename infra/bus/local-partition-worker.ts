/**
 * One loop per (group, topic, partition) with an owner in this process: reads the log in offset
 * order and hands each read batch to the partition's current owner, which handles it one message
 * at a time or whole (batch-consumer.ts); its offset is committed once per delivery. The owner is
 * looked up for every delivery, so a rebalance simply changes who receives the next batch:
 * a partition is never handled by two subscribers at once and never skips or reorders.
 * A failed delivery is retried from the first unhandled message after a capped exponential
 * backoff; the partition waits for it.
 */
import type { IBackoff, IBackoffFactory } from 'cockatiel';
import type { SqliteLog, StoredMessage } from './local-log.ts';
import type { OffsetStore } from './local-offsets.ts';
import { MAX_BATCH, type BatchOutcome } from './batch-consumer.ts';
import type { BusMessage } from './port.ts';

export interface BusErrorContext {
  /** 'handle': a subscriber's handler threw; 'read': the log could not be read; 'trim': retention failed. */
  operation: 'handle' | 'read' | 'trim';
  group?: string;
  topic?: string;
  partition?: number;
  message?: BusMessage;
  /** Failed deliveries of this message so far. */
  attempt?: number;
}

export type BusErrorHandler = (error: unknown, context: BusErrorContext) => void;

export interface WorkerContext {
  log: SqliteLog;
  offsets: OffsetStore;
  now: () => number;
  retryBackoff: IBackoffFactory<unknown>;
  onError: BusErrorHandler;
}

/** What a partition needs from the subscriber that owns it. */
export interface PartitionOwner {
  readonly fromBeginning: boolean;
  /** Handles what it can, commits that many (`commit(handled)`), and reports the outcome; never rejects. */
  deliver(messages: BusMessage[], commit: (handled: number) => void): Promise<BatchOutcome>;
}


export class PartitionWorker {
  readonly finished: Promise<void>;
  private position: number;
  private wakeIdle: (() => void) | null = null;
  private cutBackoff: (() => void) | null = null;
  private readFailures: IBackoff<unknown> | undefined;

  constructor(
    private readonly group: string,
    readonly topic: string,
    readonly partition: number,
    private readonly ownerOf: () => PartitionOwner | undefined,
    private readonly context: WorkerContext,
    private readonly onExit: () => void,
  ) {
    this.position = this.startPosition(ownerOf()?.fromBeginning ?? true);
    // Start on a later tick: handlers never run inside the subscribe() call that created the worker.
    this.finished = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.run());
  }

  /** New messages may be in the log. */
  notifyData(): void {
    this.wakeIdle?.();
  }

  /** The owner changed (or left): re-check at once instead of finishing a wait. */
  interrupt(): void {
    this.wakeIdle?.();
    this.cutBackoff?.();
  }

  /**
   * Resolved once, synchronously, when the worker is created, and committed at once: "start at
   * the end" then means the end as of subscribe(), even if the process restarts before the first
   * message arrives.
   */
  private startPosition(fromBeginning: boolean): number {
    const committed = this.context.offsets.committed(this.group, this.topic, this.partition);
    if (committed !== null) return committed;
    const { start, end } = this.context.log.bounds(this.topic, this.partition);
    const position = fromBeginning ? start : end;
    this.context.offsets.commit(this.group, this.topic, this.partition, position, this.context.now());
    return position;
  }

  private async run(): Promise<void> {
    try {
      while (this.ownerOf()) await this.step();
    } finally {
      // Same tick as the failed owner check: a member joining later always finds no stale worker.
      this.onExit();
    }
  }

  /** Reads one batch and delivers it, or waits for data when the partition is drained. */
  private async step(): Promise<void> {
    let batch: StoredMessage[];
    try {
      // Retention may have trimmed past a committed offset: continue from the oldest retained.
      this.position = Math.max(this.position, this.context.log.bounds(this.topic, this.partition).start);
      batch = this.context.log.read(this.topic, this.partition, this.position, MAX_BATCH);
      this.readFailures = undefined;
    } catch (error) {
      this.context.onError(error, { operation: 'read', group: this.group, topic: this.topic, partition: this.partition });
      this.readFailures = (this.readFailures ?? this.context.retryBackoff).next(undefined);
      await this.backoff(this.readFailures.duration);
      return;
    }
    if (batch.length === 0) {
      await new Promise<void>((resolve) => (this.wakeIdle = resolve));
      this.wakeIdle = null;
      return;
    }
    if (!(await this.handle(batch))) return;
    // A run of synchronous handlers would otherwise starve timers and I/O.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Delivers until all of it is handled; false when the partition lost its owner first. */
  private async handle(batch: StoredMessage[]): Promise<boolean> {
    let pending = batch;
    let delay: IBackoff<unknown> | undefined;
    let attempt = 0;
    for (;;) {
      const owner = this.ownerOf();
      if (!owner) return false;
      const messages = pending.map((stored) => this.busMessage(stored));
      const outcome = await owner.deliver(messages, (handled) => this.commit(pending[handled - 1]!.offset + 1));
      if (!outcome.failure) return true;
      // Failures are counted (and backed off) per message: progress starts the count again.
      if (outcome.handled > 0) {
        pending = pending.slice(outcome.handled);
        attempt = 0;
        delay = undefined;
      }
      attempt += 1;
      this.context.onError(outcome.failure.error, {
        operation: 'handle',
        group: this.group,
        topic: this.topic,
        partition: this.partition,
        message: messages[outcome.handled],
        attempt,
      });
      delay = (delay ?? this.context.retryBackoff).next(undefined);
      await this.backoff(delay.duration);
    }
  }

  private busMessage(stored: StoredMessage): BusMessage {
    return {
      topic: this.topic,
      partition: this.partition,
      offset: String(stored.offset),
      key: stored.key,
      value: stored.value,
      headers: stored.headers,
      timestamp: stored.timestamp,
    };
  }

  private commit(nextOffset: number): void {
    this.context.offsets.commit(this.group, this.topic, this.partition, nextOffset, this.context.now());
    this.position = nextOffset;
  }

  /** Sleeps, but wakes early on interrupt() so a stopping owner never waits out a long backoff. */
  private backoff(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.cutBackoff = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.cutBackoff = done;
    });
  }
}
