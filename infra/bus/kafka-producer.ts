/**
 * The Kafka adapter's producer: idempotent, acks=all, key -> partition by kafkajs's
 * DefaultPartitioner, which is Kafka's murmur2 (infra/bus/partitioner.ts computes the same numbers).
 *
 * Sends run one at a time, and a send kafkajs gave up on retires the producer. Why: kafkajs hands
 * a failed request's sequence numbers to the next request for that partition, so if a request
 * whose answer was lost had in fact landed, a different batch sent next would look like its
 * duplicate to the broker and be dropped. One at a time, kafkajs's own retries resend the same
 * batch; after a failure the next batch goes out under a fresh producer id. A failed send may
 * still have landed (at-least-once, as the port promises); a send whose caller gave up while it
 * waited its turn is not made at all.
 */
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { AppError } from '../../runtime/errors.ts';
import { translateKafkaError } from './kafka-errors.ts';

export class KafkaPublisher {
  private client: Promise<Producer> | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    private readonly adapter: string,
  ) {}

  /** Appends `records` to `topic` once every earlier send is done; `signal` is the caller's. */
  send(signal: AbortSignal, topic: string, records: Message[]): Promise<void> {
    const sent = this.queue.then(async () => {
      if (signal.aborted) throw new Error('abandoned before sending');
      const producer = await this.producer();
      try {
        await producer.send({ topic, messages: records, acks: -1 });
      } catch (error) {
        const translated = translateKafkaError(this.adapter, `publish to '${topic}'`, error);
        // A refusal (AppError) is certain; any other failure leaves the batch's fate unknown.
        if (!(translated instanceof AppError)) this.retire(producer);
        throw translated;
      }
    });
    this.queue = sent.catch(() => undefined);
    return sent;
  }

  /** Lets queued sends finish (each is bounded by kafkajs's retries), then disconnects. */
  async close(): Promise<void> {
    await this.queue;
    const client = this.client;
    this.client = null;
    if (client) await (await client).disconnect();
  }

  private producer(): Promise<Producer> {
    if (!this.client) {
      const producer = this.kafka.producer({
        idempotent: true,
        // About ten seconds of resending before a send fails (and the producer is retired).
        retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2_000 },
        createPartitioner: Partitioners.DefaultPartitioner,
        // Topics are created by the adapter with the configured partition count; this only lets
        // Kafka recreate one deleted under a running process instead of failing every send.
        allowAutoTopicCreation: true,
      });
      this.client = producer.connect().then(
        () => producer,
        (error: unknown) => {
          this.client = null;
          throw error;
        },
      );
    }
    return this.client;
  }

  /** The next send gets a new producer, hence a new producer id and fresh sequence numbers. */
  private retire(producer: Producer): void {
    this.client = null;
    producer.disconnect().catch(() => {
      // Its connections are going away either way; a failed goodbye changes nothing.
    });
  }
}
