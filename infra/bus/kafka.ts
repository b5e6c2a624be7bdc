/**
 * Bus port on Kafka (cluster mode), with kafkajs. One client, one admin and one producer per
 * adapter, connected on first use; one consumer per subscription (kafka-subscription.ts). Every
 * call runs inside the engine resilience policy (infra/resilience.ts); Kafka's deterministic
 * refusals come back as BAD_REQUEST / LIMIT_EXCEEDED, engine trouble as ENGINE_UNAVAILABLE, all
 * prefixed `[bus:kafka]` and keeping the kafkajs error as `cause`.
 *
 * - Topics: created through the admin client with `defaultPartitions` (config KAFKA_PARTITIONS)
 *   unless ensureTopics says otherwise; publishing or subscribing to an unknown topic creates it
 *   first. An existing topic keeps its partition count.
 * - Publish: batches are checked against BUS_LIMITS first, cut into produce requests under the
 *   broker's record-batch limit (kafka-records.ts) and sent by an idempotent, acks=all producer
 *   one request at a time (kafka-producer.ts says why).
 *
 * @example
 *   const bus = createKafkaBus({ brokers: ['127.0.0.1:9092'], defaultPartitions: 6 });
 *   await bus.publish('conversation-events', [{ key: conversationId, value: JSON.stringify(event) }]);
 */
import { ExponentialBackoff } from 'cockatiel';
import { Kafka, type Admin } from 'kafkajs';
import { AppError } from '../../runtime/errors.ts';
import { enginePolicy, type EngineGuard, type EnginePolicyOptions } from '../resilience.ts';
import { translateKafkaError } from './kafka-errors.ts';
import { kafkaLogCreator, kafkaLogLevel, type KafkaLogSink } from './kafka-logging.ts';
import { KafkaPublisher } from './kafka-producer.ts';
import { toRecords } from './kafka-records.ts';
import { KafkaSubscription, type SubscriptionContext } from './kafka-subscription.ts';
import { assertPublishable, assertSubscribable, assertTopicName } from './limits.ts';
import type { BusErrorContext, BusErrorHandler } from './local-partition-worker.ts';
import type { BusPort, OutgoingMessage, SubscribeOptions, Subscription, TopicSpec } from './port.ts';

const ADAPTER = 'bus:kafka';

export interface KafkaBusOptions {
  /** `host:port` seed brokers (config KAFKA_BROKERS, comma-separated). */
  brokers: string[];
  /** Default 'caas'. */
  clientId?: string;
  /** Partitions of topics created without an explicit count; default 6 (config KAFKA_PARTITIONS). */
  defaultPartitions?: number;
  /** Redelivery backoff after a handler throws: doubles from `initialMs` (default 200) up to `maxMs` (default 30 s). */
  retry?: { initialMs?: number; maxMs?: number };
  /** Receives handler failures (before each redelivery) and consumers kafkajs gave up on; default `process.emitWarning`. */
  onError?: BusErrorHandler;
  /** Where kafkajs's own warnings go; default nowhere. */
  log?: KafkaLogSink;
  /**
   * Resilience policy overrides. Default timeout 30 s: a subscribe waits for the group to
   * rebalance, which waits for every member to finish the message in hand.
   */
  policy?: Omit<EnginePolicyOptions, 'engine'>;
}

export function createKafkaBus(options: KafkaBusOptions): BusPort {
  return new KafkaBus(options);
}

class KafkaBus implements BusPort {
  readonly name = 'kafka';
  private readonly kafka: Kafka;
  private readonly guard: EngineGuard;
  private readonly defaultPartitions: number;
  private readonly subscriptionContext: SubscriptionContext;
  private readonly knownTopics = new Map<string, Promise<void>>();
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly publisher: KafkaPublisher;
  private adminClient: Promise<Admin> | null = null;
  private closed = false;

  constructor(options: KafkaBusOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'caas',
      brokers: options.brokers,
      connectionTimeout: 3_000,
      // Retries at most a second apart: after a broker restart the producer and admin are back
      // within about a second of it answering. Ten of them still span the several seconds a new
      // topic's metadata can take to reach every broker on a loaded machine.
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 10 },
      logLevel: kafkaLogLevel(options.log),
      logCreator: kafkaLogCreator(options.log),
    });
    // The breaker half-opens after 1 s, not 5: kafkajs's own retries already spare the broker.
    this.guard = enginePolicy({ timeoutMs: 30_000, halfOpenAfterMs: 1_000, ...options.policy, engine: ADAPTER });
    this.publisher = new KafkaPublisher(this.kafka, ADAPTER);
    this.defaultPartitions = options.defaultPartitions ?? 6;
    this.subscriptionContext = {
      adapter: ADAPTER,
      kafka: this.kafka,
      admin: () => this.admin(),
      retryBackoff: new ExponentialBackoff({
        initialDelay: options.retry?.initialMs ?? 200,
        maxDelay: options.retry?.maxMs ?? 30_000,
      }),
      onError: options.onError ?? reportError,
    };
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    this.assertOpen();
    const specs = topics.map((spec) => {
      assertTopicName(ADAPTER, spec.name);
      const partitions = spec.partitions ?? this.defaultPartitions;
      if (!Number.isInteger(partitions) || partitions < 1) {
        throw new AppError('BAD_REQUEST', `[${ADAPTER}] topic '${spec.name}' needs a positive integer partition count`);
      }
      return { topic: spec.name, numPartitions: partitions };
    });
    if (specs.length === 0) return;
    await this.guard('create topics', async () => {
      const admin = await this.admin();
      try {
        // false (not an error) when they all existed already; an existing topic keeps its partitions.
        await admin.createTopics({ topics: specs, waitForLeaders: true });
      } catch (error) {
        throw translateKafkaError(ADAPTER, 'create topics', error);
      }
    });
    for (const { topic } of specs) this.knownTopics.set(topic, Promise.resolve());
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    assertPublishable(ADAPTER, topic, messages);
    if (messages.length === 0) return;
    await this.topicReady(topic);
    for (const records of toRecords(messages)) {
      await this.guard(`publish to '${topic}'`, (signal) => this.publisher.send(signal, topic, records));
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    assertSubscribable(ADAPTER, options);
    await Promise.all(options.topics.map((topic) => this.topicReady(topic)));
    return this.guard(`subscribe group '${options.group}'`, async (signal) => {
      const subscription: KafkaSubscription = new KafkaSubscription(this.subscriptionContext, options, () =>
        this.subscriptions.delete(subscription),
      );
      this.subscriptions.add(subscription);
      await subscription.start(signal);
      return subscription;
    });
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await this.guard('ping', async () => {
      const admin = await this.admin();
      await admin.describeCluster();
    });
  }

  /** Stops every subscription (waiting for in-flight handlers and their commits), then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((subscription) => subscription.stop()));
    const admin = this.adminClient;
    await Promise.allSettled([this.publisher.close(), admin?.then((client) => client.disconnect())]);
  }

  private topicReady(topic: string): Promise<void> {
    let ready = this.knownTopics.get(topic);
    if (!ready) {
      ready = this.ensureTopics([{ name: topic }]);
      // A failed creation is retried by the next call rather than remembered.
      ready.catch(() => this.knownTopics.get(topic) === ready && this.knownTopics.delete(topic));
      this.knownTopics.set(topic, ready);
    }
    return ready;
  }

  private admin(): Promise<Admin> {
    if (!this.adminClient) {
      const admin = this.kafka.admin();
      // A failed connect is forgotten, so the next call tries again.
      this.adminClient = admin.connect().then(
        () => admin,
        (error: unknown) => {
          this.adminClient = null;
          throw error;
        },
      );
    }
    return this.adminClient;
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('ENGINE_UNAVAILABLE', `[${ADAPTER}] bus is closed`);
  }
}

function reportError(error: unknown, context: BusErrorContext): void {
  const reason = error instanceof Error ? error : new Error(String(error));
  const where = [context.group && `group '${context.group}'`, context.topic && `${context.topic}[${context.partition}]`]
    .filter(Boolean)
    .join(' ');
  const attempt = context.attempt ? ` (attempt ${context.attempt}, will retry)` : '';
  process.emitWarning(`[${ADAPTER}] ${context.operation} failed ${where}${attempt}: ${reason.message}`, {
    detail: reason.stack,
  });
}
