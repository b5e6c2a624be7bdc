/**
 * Embedded bus for local mode: a durable log in one SQLite file with Kafka's semantics.
 * - Topics have N partitions (KAFKA_PARTITIONS unless ensureTopics says otherwise); publishing
 *   to or subscribing to an unknown topic creates it, like Kafka's auto-create.
 * - Key -> partition by Kafka's own default partitioner (murmur2), offsets increase per partition,
 *   publish resolves once the append is committed to the WAL (crash-safe), BUS_LIMITS are enforced before writing.
 * - Consumer groups keep committed offsets in the same file; members in this process share the
 *   partitions (see local-group.ts). Delivery is at-least-once, sequential and ordered per partition.
 * - Publishes wake consumers at once: in this bus directly, in other buses on the same file in
 *   this process (other threads, e.g. `npm start`'s background thread) through a BroadcastChannel;
 *   a cheap poll (PRAGMA data_version) notices writes by other processes.
 * - Retention deletes messages older than `retentionMs` (default 7 days, Kafka's default).
 *
 * Gap: consumer groups coordinate only within one process. Several processes may publish to the
 * same file, but a group should consume from one process (Kafka coordinates across machines).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { ExponentialBackoff } from 'cockatiel';
import { AppError } from '../../runtime/errors.ts';
import { assertPublishable, assertSubscribable, assertTopicName } from './limits.ts';
import { batchConsumerOf } from './batch-consumer.ts';
import { ConsumerGroup, GroupMember } from './local-group.ts';
import { SqliteLog } from './local-log.ts';
import { OffsetStore } from './local-offsets.ts';
import type { BusErrorContext, BusErrorHandler, WorkerContext } from './local-partition-worker.ts';
import { partitionForKey } from './partitioner.ts';
import type { BusPort, OutgoingMessage, SubscribeOptions, Subscription, TopicSpec } from './port.ts';

export type { BusErrorContext, BusErrorHandler } from './local-partition-worker.ts';

const ADAPTER = 'bus:local';

export interface LocalBusOptions {
  /** The SQLite file, e.g. `<CAAS_DATA_DIR>/bus.sqlite`; its folder is created if missing. */
  file: string;
  /** Partitions of auto-created topics; default 6 (config KAFKA_PARTITIONS). */
  defaultPartitions?: number;
  /** How often to look for writes by other processes; default 500 ms. */
  pollIntervalMs?: number;
  /** Delete messages older than this; default 7 days; `null` keeps everything. */
  retentionMs?: number | null;
  /** How often retention runs; default 5 minutes (Kafka's log.retention.check.interval.ms). */
  retentionCheckIntervalMs?: number;
  /** Redelivery backoff after a handler throws: doubles from `initialMs` (default 200) up to `maxMs` (default 30 s). */
  retry?: { initialMs?: number; maxMs?: number };
  /** Receives handler failures (before each redelivery) and background errors; default `process.emitWarning`. */
  onError?: BusErrorHandler;
  /** Clock for message timestamps and retention; default `Date.now`. */
  now?: () => number;
}

export class LocalBus implements BusPort {
  readonly name = 'local';
  private readonly log: SqliteLog;
  private readonly offsets: OffsetStore;
  private readonly context: WorkerContext;
  private readonly defaultPartitions: number;
  private readonly retentionMs: number | null;
  private readonly partitionCounts = new Map<string, number>();
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly pollTimer: NodeJS.Timeout;
  /** Tells the other buses on this file in this process (any thread) which partitions were written. */
  private readonly appended: BroadcastChannel;
  private readonly retentionTimer: NodeJS.Timeout | null;
  private lastDataVersion: number;
  private closed = false;

  constructor(options: LocalBusOptions) {
    mkdirSync(dirname(options.file), { recursive: true });
    this.log = new SqliteLog(options.file);
    this.offsets = new OffsetStore(options.file);
    this.defaultPartitions = options.defaultPartitions ?? 6;
    this.retentionMs = options.retentionMs === undefined ? 7 * 24 * 3_600_000 : options.retentionMs;
    this.context = {
      log: this.log,
      offsets: this.offsets,
      now: options.now ?? Date.now,
      retryBackoff: new ExponentialBackoff({
        initialDelay: options.retry?.initialMs ?? 200,
        maxDelay: options.retry?.maxMs ?? 30_000,
      }),
      onError: options.onError ?? reportError,
    };
    this.lastDataVersion = this.log.dataVersion();
    this.appended = new BroadcastChannel(`caas-bus:${resolve(options.file)}`);
    this.appended.onmessage = (event) => {
      const { topic, partitions } = (event as { data: { topic: string; partitions: number[] } }).data;
      for (const group of this.groups.values()) group.notifyData(topic, new Set(partitions));
    };
    this.appended.unref();
    this.pollTimer = setInterval(() => this.pollForeignWrites(), options.pollIntervalMs ?? 500);
    // Like a Kafka consumer's socket, an active subscription keeps the process alive; an idle bus does not.
    this.pollTimer.unref();
    this.retentionTimer =
      this.retentionMs === null ? null : setInterval(() => this.runRetention(), options.retentionCheckIntervalMs ?? 300_000);
    this.retentionTimer?.unref();
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    this.assertOpen();
    for (const spec of topics) {
      assertTopicName(ADAPTER, spec.name);
      const partitions = spec.partitions ?? this.defaultPartitions;
      if (!Number.isInteger(partitions) || partitions < 1) {
        throw new AppError('BAD_REQUEST', `[${ADAPTER}] topic '${spec.name}' needs a positive integer partition count`);
      }
      // An existing topic keeps its partition count (Kafka's createTopics does the same).
      const actual = this.engine(`create topic '${spec.name}'`, () =>
        this.log.createTopic(spec.name, partitions, this.context.now()),
      );
      this.partitionCounts.set(spec.name, actual);
    }
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    assertPublishable(ADAPTER, topic, messages);
    if (messages.length === 0) return;
    const partitions = this.partitionsOf(topic);
    const appends = messages.map((message) => ({
      partition: partitionForKey(message.key, partitions),
      key: message.key,
      value: message.value,
      headers: message.headers,
    }));
    this.engine(`append to '${topic}'`, () => this.log.append(topic, appends, this.context.now()));
    // Only the partitions written to: each woken worker queries the log.
    const written = new Set(appends.map((append) => append.partition));
    for (const group of this.groups.values()) group.notifyData(topic, written);
    this.appended.postMessage({ topic, partitions: [...written] });
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    assertSubscribable(ADAPTER, options);
    const partitionsByTopic = new Map(options.topics.map((topic) => [topic, this.partitionsOf(topic)]));
    const member = new GroupMember(new Set(options.topics), options.fromBeginning ?? true, batchConsumerOf(options));
    const group = this.groupNamed(options.group);
    this.engine(`join group '${options.group}'`, () => group.join(member, partitionsByTopic));

    let stopping: Promise<void> | null = null;
    const subscription: Subscription = {
      stop: () =>
        (stopping ??= group.leave(member).finally(() => {
          this.subscriptions.delete(subscription);
          if (this.subscriptions.size === 0) this.pollTimer.unref();
        })),
    };
    this.subscriptions.add(subscription);
    this.pollTimer.ref();
    return subscription;
  }

  /** Deletes messages older than `retentionMs` now (it also runs on a timer); returns how many. */
  trimExpired(): number {
    this.assertOpen();
    if (this.retentionMs === null) return 0;
    const cutoff = this.context.now() - this.retentionMs;
    return this.engine('trim', () => this.log.trimOlderThan(cutoff));
  }

  async rewrite(topic: string, rewrite: (message: { key: string; value: string }) => string | null): Promise<number> {
    this.assertOpen();
    return this.engine('rewrite', () => this.log.rewrite(topic, rewrite));
  }

  async purgeErased(): Promise<void> {
    this.assertOpen();
    this.engine('purge', () => this.log.purgeWal());
  }

  async ping(): Promise<void> {
    this.assertOpen();
    this.engine('ping', () => this.log.ping());
  }

  /** Stops every subscription (waiting for in-flight handlers and their commits), then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.appended.close();
    clearInterval(this.pollTimer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await Promise.all([...this.groups.values()].map((group) => group.finished()));
    this.offsets.close();
    this.log.close();
  }

  private partitionsOf(topic: string): number {
    const known = this.partitionCounts.get(topic);
    if (known !== undefined) return known;
    const partitions = this.engine(`create topic '${topic}'`, () =>
      this.log.createTopic(topic, this.defaultPartitions, this.context.now()),
    );
    this.partitionCounts.set(topic, partitions);
    return partitions;
  }

  private groupNamed(name: string): ConsumerGroup {
    let group = this.groups.get(name);
    if (!group) {
      group = new ConsumerGroup(name, this.context);
      this.groups.set(name, group);
    }
    return group;
  }

  private pollForeignWrites(): void {
    let version: number;
    try {
      version = this.log.dataVersion();
    } catch (error) {
      this.context.onError(error, { operation: 'read' });
      return;
    }
    if (version === this.lastDataVersion) return;
    this.lastDataVersion = version;
    for (const group of this.groups.values()) group.notifyAll();
  }

  private runRetention(): void {
    try {
      this.trimExpired();
    } catch (error) {
      this.context.onError(error, { operation: 'trim' });
    }
  }

  /** Runs a SQLite call, translating driver errors into ENGINE_UNAVAILABLE at this boundary. */
  private engine<T>(operation: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof AppError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new AppError('ENGINE_UNAVAILABLE', `[${ADAPTER}] ${operation} failed: ${reason}`, { cause: error });
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('ENGINE_UNAVAILABLE', `[${ADAPTER}] bus is closed`);
  }
}

function reportError(error: unknown, context: BusErrorContext): void {
  const reason = error instanceof Error ? error : new Error(String(error));
  const group = context.group ? `group '${context.group}' ` : '';
  const partition = context.topic ? `${context.topic}[${context.partition ?? '*'}]` : '';
  const where = `${group}${partition}`.trim();
  const attempt = context.attempt ? ` (attempt ${context.attempt}, will retry)` : '';
  process.emitWarning(`[${ADAPTER}] ${context.operation} failed ${where}${attempt}: ${reason.message}`, {
    detail: reason.stack,
  });
}
