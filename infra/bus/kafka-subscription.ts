/**
 * One `subscribe()` on Kafka: its own kafkajs consumer, i.e. one member of the consumer group.
 *
 * - Delivery: messages of a partition go to the handler one at a time (or up to MAX_BATCH at once
 *   to `handleBatch`), in offset order. An offset is resolved only after its handler resolved, and committed from the resolved offsets (kafkajs
 *   auto-commit after each batch and at most every second within one, on stop and before a
 *   rebalance), so a commit never covers a message that was not handled.
 * - Failure: the partition is paused and its position left on the failed message; after a capped
 *   exponential backoff it resumes and the same message comes again, before any later one.
 *   Other partitions keep flowing.
 * - Start: `start()` resolves once the member has joined the group and its positions are fixed.
 *   With `fromBeginning: false`, assigned partitions the group never committed are committed at
 *   their current end right then, so "the end" means the end as of subscribe(), even across a
 *   restart before the first message.
 * - Stop: kafkajs's disconnect waits for the batch in progress, commits, and leaves the group.
 */
import type { IBackoff, IBackoffFactory } from 'cockatiel';
import type { Admin, Consumer, ConsumerConfig, EachBatchPayload, IMemberAssignment, Kafka } from 'kafkajs';
import { AppError } from '../../runtime/errors.ts';
import { batchConsumerOf, MAX_BATCH, type BatchConsumer, type BatchOutcome } from './batch-consumer.ts';
import { toBusMessage } from './kafka-records.ts';
import type { BusErrorHandler } from './local-partition-worker.ts';
import type { BusMessage, SubscribeOptions, Subscription } from './port.ts';

export interface SubscriptionContext {
  adapter: string;
  kafka: Kafka;
  admin: () => Promise<Admin>;
  retryBackoff: IBackoffFactory<unknown>;
  onError: BusErrorHandler;
}

const HEARTBEAT_INTERVAL_MS = 1_000;

const CONSUMER_CONFIG: Omit<ConsumerConfig, 'groupId'> = {
  // A member notices a rebalance on its next heartbeat, sent between fetches: short fetch waits
  // and heartbeats keep joins (and so subscribe()) to about two seconds.
  maxWaitTimeInMs: 1_000,
  heartbeatInterval: HEARTBEAT_INTERVAL_MS,
  // How long a member that vanished without leaving (a crash, or a broker restart that lost its
  // leave request) holds its partitions: the broker's floor (group.min.session.timeout.ms, 6 s by
  // default). Long handlers are covered by the keep-alive in handle(). A member that stops leaves
  // the group (disconnect), so its partitions move at once. kafkajs 2.2.4 has neither static
  // membership nor cooperative rebalancing (docs/operations.md, "Recovery times").
  sessionTimeout: 6_000,
  // How long a rebalance waits for every member to rejoin; a member rejoins once the message in
  // hand is handled, and one slower than this is dropped from the group and rejoins after.
  rebalanceTimeout: 20_000,
  allowAutoTopicCreation: false,
  // kafkajs restarts a crashed consumer itself (broker restart, coordinator moving), after at most
  // a second, so consuming resumes within a second or so of the broker answering again.
  retry: { initialRetryTime: 200, maxRetryTime: 1_000, retries: 10 },
};

/** Partitions of one member handled side by side (each still strictly in order). */
const PARTITIONS_IN_PARALLEL = 4;

interface FailedDelivery {
  offset: string;
  attempt: number;
  backoff: IBackoff<unknown> | undefined;
}

export class KafkaSubscription implements Subscription {
  private readonly failures = new Map<string, FailedDelivery>();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  private readonly consumer: Consumer;
  private readonly consumeBatch: BatchConsumer;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly context: SubscriptionContext,
    private readonly options: SubscribeOptions,
    private readonly onStopped: () => void,
  ) {
    this.consumer = context.kafka.consumer({ groupId: options.group, ...CONSUMER_CONFIG });
    this.consumeBatch = batchConsumerOf(options);
  }

  /** Joins the group and fixes positions; on failure (or abort) the consumer is disconnected. */
  async start(signal: AbortSignal): Promise<void> {
    const { consumer } = this;
    let assignment: IMemberAssignment | null = null;
    let crash: Error | null = null;
    consumer.on(consumer.events.GROUP_JOIN, (event) => void (assignment ??= event.payload.memberAssignment));
    consumer.on(consumer.events.CRASH, (event) => {
      crash ??= event.payload.error;
      // After start, kafkajs restarts a consumer that crashed on a retriable error; one that it
      // gives up on would silently stop consuming, so say so.
      if (assignment && !event.payload.restart) {
        this.context.onError(event.payload.error, { operation: 'read', group: this.options.group });
      }
    });
    // The caller gave up (policy timeout): leave the group rather than consume for nobody.
    const abandon = () => void this.stop().catch(() => undefined);
    signal.addEventListener('abort', abandon, { once: true });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning ?? true });
      // Resolves after the first join (GROUP_JOIN) or after a crash that prevented it.
      await consumer.run({
        autoCommit: true,
        autoCommitInterval: 1_000,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: PARTITIONS_IN_PARALLEL,
        eachBatch: (payload) => this.consume(payload),
      });
      if (!assignment) throw crash ?? new Error('the consumer stopped before joining its group');
      if (!(this.options.fromBeginning ?? true)) await this.commitUncommittedAtEnd(assignment);
      if (signal.aborted) throw new Error('gave up waiting for the group');
    } catch (error) {
      // The start failure is what the caller needs; a failing disconnect on top adds nothing.
      await this.stop().catch(() => undefined);
      throw error;
    } finally {
      signal.removeEventListener('abort', abandon);
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const timer of this.resumeTimers) clearTimeout(timer);
      this.resumeTimers.clear();
      try {
        await this.consumer.disconnect();
      } catch (error) {
        throw new AppError('ENGINE_UNAVAILABLE', `[${this.context.adapter}] stopping group '${this.options.group}' failed`, {
          cause: error,
        });
      } finally {
        this.onStopped();
      }
    })();
    return this.stopping;
  }

  private async consume(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, pause, commitOffsetsIfNecessary } = payload;
    for (let start = 0; start < batch.messages.length; start += MAX_BATCH) {
      if (!isRunning() || isStale() || this.stopping) return;
      const messages = batch.messages.slice(start, start + MAX_BATCH).map((record) => toBusMessage(batch.topic, batch.partition, record));
      const { handled, failure } = await this.handle(messages, heartbeat);
      if (handled > 0) {
        this.failures.delete(slot(messages[0]!));
        resolveOffset(messages[handled - 1]!.offset);
        await commitOffsetsIfNecessary();
      }
      if (failure) {
        // Unhandled offsets stay unresolved: when the partition resumes, fetching starts at the first.
        this.retryLater(messages[handled]!, failure.error, pause());
        return;
      }
      await heartbeat();
    }
  }

  /**
   * Hands messages to the subscriber, heartbeating meanwhile: kafkajs heartbeats only between
   * batches, and a handler outliving the session would otherwise cost the member its partitions.
   */
  private async handle(messages: BusMessage[], heartbeat: () => Promise<void>): Promise<BatchOutcome> {
    const keepAlive = setInterval(() => {
      heartbeat().catch(() => {
        // A rebalance reported here is reported again by the heartbeat after the handler, where
        // kafkajs acts on it; nothing to do in the middle of a message.
      });
    }, HEARTBEAT_INTERVAL_MS);
    try {
      return await this.consumeBatch(messages);
    } finally {
      clearInterval(keepAlive);
    }
  }

  private retryLater(message: BusMessage, error: unknown, resume: () => void): void {
    let failure = this.failures.get(slot(message));
    if (failure?.offset !== message.offset) {
      failure = { offset: message.offset, attempt: 0, backoff: undefined };
      this.failures.set(slot(message), failure);
    }
    failure.attempt += 1;
    failure.backoff = (failure.backoff ?? this.context.retryBackoff).next(undefined);
    this.context.onError(error, {
      operation: 'handle',
      group: this.options.group,
      topic: message.topic,
      partition: message.partition,
      message,
      attempt: failure.attempt,
    });
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      resume();
    }, failure.backoff.duration);
    this.resumeTimers.add(timer);
  }

  /** Commits the current end offset of every assigned partition the group has never committed. */
  private async commitUncommittedAtEnd(assignment: IMemberAssignment): Promise<void> {
    const topics = Object.keys(assignment).filter((topic) => (assignment[topic] ?? []).length > 0);
    if (topics.length === 0) return;
    const admin = await this.context.admin();
    const committed = await admin.fetchOffsets({ groupId: this.options.group, topics });
    const positions: Array<{ topic: string; partition: number; offset: string }> = [];
    for (const { topic, partitions } of committed) {
      const assigned = new Set(assignment[topic]);
      const missing = partitions.filter(({ partition, offset }) => assigned.has(partition) && Number(offset) < 0);
      if (missing.length === 0) continue;
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, high]));
      for (const { partition } of missing) positions.push({ topic, partition, offset: ends.get(partition) ?? '0' });
    }
    if (positions.length > 0) await this.consumer.commitOffsets(positions);
  }
}

function slot(message: BusMessage): string {
  return `${message.topic}#${message.partition}`;
}
