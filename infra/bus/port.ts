/**
 * Bus port: durable topics with keyed partitions and consumer groups, Kafka's model.
 * At-least-once: a message is committed only after its handler resolves; a handler that throws
 * sees the message again (after backoff) and blocks its partition until it succeeds, so order per
 * key is kept. Committed offsets survive restarts. Embedded log in local mode, Kafka in cluster
 * mode; one contract suite (tests/contract/bus.contract.ts).
 *
 * @example
 *   await bus.publish('conversation-events', [{ key: conversationId, value: JSON.stringify(event) }]);
 *   const sub = await bus.subscribe({ group: 'search-indexer', topics: ['conversation-events'],
 *     handler: async (message) => index(JSON.parse(message.value)) });
 *   await sub.stop();
 */
export interface OutgoingMessage {
  /** Partition key: messages with one key keep their order. */
  key: string;
  value: string;
  headers?: Record<string, string>;
}

export interface BusMessage {
  topic: string;
  partition: number;
  /** Decimal string, increasing within a partition (Kafka offsets are int64). */
  offset: string;
  key: string;
  value: string;
  headers: Record<string, string>;
  /** Epoch ms when the message was appended. */
  timestamp: number;
}

export interface TopicSpec {
  name: string;
  /** Default: config KAFKA_PARTITIONS. */
  partitions?: number;
}

export interface SubscribeOptions {
  group: string;
  topics: string[];
  /**
   * A group with no committed offset starts at the beginning (true, default) or at the end as of
   * when subscribe() resolves: messages published after that are delivered, earlier ones are not.
   */
  fromBeginning?: boolean;
  /**
   * One message at a time. Or `handleBatch`: consecutive messages of one partition at once (at
   * most MAX_BATCH, in offset order), committed together when it resolves and redelivered whole
   * when it throws — for consumers that write a batch in one go (its writes must be idempotent,
   * as every handler's are under at-least-once delivery).
   */
  handler?: (message: BusMessage) => Promise<void>;
  handleBatch?: (messages: BusMessage[]) => Promise<void>;
}

export interface Subscription {
  /** Resolves once in-flight handlers finished and offsets are committed. */
  stop(): Promise<void>;
}

export interface BusPort {
  readonly name: string;
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  /**
   * Resolves once the messages are durably appended (Kafka: acks=all; embedded: committed to its WAL). The batch is
   * checked first: an invalid topic name (BAD_REQUEST) or a message over BUS_LIMITS
   * (LIMIT_EXCEEDED) refuses the whole batch. An unknown topic is created (Kafka's auto-create).
   */
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Embedded log only: replaces retained messages' values (GDPR erasure scrubs what a replay would
   * bring back). Kafka cannot rewrite a log: there, erasure relies on the topic's retention (and
   * crypto-shredding once content is encrypted); see docs/compliance.md.
   */
  rewrite?(topic: string, rewrite: (message: { key: string; value: string }) => string | null): Promise<number>;
  /** Embedded log only: leaves no bytes of rewritten or trimmed messages in its files. */
  purgeErased?(): Promise<void>;
}

export const BUS_LIMITS = {
  /**
   * Kafka's default message.max.bytes is ~1 MB; the embedded log enforces the same, counting a
   * message's key, value and header names and values in UTF-8 bytes (infra/bus/limits.ts).
   */
  maxMessageBytes: 1_000_000,
} as const;
