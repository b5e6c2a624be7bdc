/**
 * A consumer group inside this process: its subscribers (members), which member owns which
 * partition, and one PartitionWorker per owned partition. Assignment is static round-robin over
 * the members subscribed to each topic, in join order (partition p goes to member p mod n), and
 * is recomputed whenever a member joins or leaves, as Kafka's rebalance would.
 */
import type { BatchConsumer, BatchOutcome } from './batch-consumer.ts';
import type { BusMessage } from './port.ts';
import { PartitionWorker, type PartitionOwner, type WorkerContext } from './local-partition-worker.ts';

export class GroupMember implements PartitionOwner {
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    readonly topics: ReadonlySet<string>,
    readonly fromBeginning: boolean,
    private readonly consume: BatchConsumer,
  ) {}

  deliver(messages: BusMessage[], commit: (handled: number) => void): Promise<BatchOutcome> {
    // Handling and commit form one tracked unit, so drain() returns only after the commit.
    const task = this.consume(messages).then((outcome) => {
      if (outcome.handled > 0) commit(outcome.handled);
      return outcome;
    });
    this.inflight.add(task);
    return task.finally(() => this.inflight.delete(task));
  }

  /** Waits for deliveries already started (handler and commit). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }
}

export class ConsumerGroup {
  private readonly members: GroupMember[] = [];
  private readonly topicPartitions = new Map<string, number>();
  private readonly owners = new Map<string, GroupMember>();
  private readonly workers = new Map<string, PartitionWorker>();

  constructor(
    readonly name: string,
    private readonly context: WorkerContext,
  ) {}

  join(member: GroupMember, partitionsByTopic: ReadonlyMap<string, number>): void {
    for (const [topic, partitions] of partitionsByTopic) this.topicPartitions.set(topic, partitions);
    this.members.push(member);
    try {
      this.rebalance();
    } catch (error) {
      this.members.splice(this.members.indexOf(member), 1);
      this.rebalance();
      throw error;
    }
  }

  /** Hands the member's partitions to the others, then waits for its in-flight deliveries. */
  async leave(member: GroupMember): Promise<void> {
    const index = this.members.indexOf(member);
    if (index >= 0) {
      this.members.splice(index, 1);
      this.rebalance();
    }
    await member.drain();
  }

  notifyData(topic: string, partitions: ReadonlySet<number>): void {
    for (const worker of this.workers.values()) if (worker.topic === topic && partitions.has(worker.partition)) worker.notifyData();
  }

  notifyAll(): void {
    for (const worker of this.workers.values()) worker.notifyData();
  }

  /** Resolves when every partition loop of this group has exited (after all members left). */
  async finished(): Promise<void> {
    await Promise.allSettled([...this.workers.values()].map((worker) => worker.finished));
  }

  private rebalance(): void {
    this.owners.clear();
    for (const [topic, partitions] of this.topicPartitions) {
      const eligible = this.members.filter((member) => member.topics.has(topic));
      if (eligible.length === 0) continue;
      for (let partition = 0; partition < partitions; partition += 1) {
        this.owners.set(slot(topic, partition), eligible[partition % eligible.length]!);
      }
    }
    for (const key of this.owners.keys()) {
      if (!this.workers.has(key)) this.workers.set(key, this.startWorker(key));
    }
    for (const worker of this.workers.values()) worker.interrupt();
  }

  private startWorker(key: string): PartitionWorker {
    const separator = key.lastIndexOf('#');
    const topic = key.slice(0, separator);
    const partition = Number(key.slice(separator + 1));
    const worker: PartitionWorker = new PartitionWorker(
      this.name,
      topic,
      partition,
      () => this.owners.get(key),
      this.context,
      () => {
        if (this.workers.get(key) === worker) this.workers.delete(key);
      },
    );
    return worker;
  }
}

/** Topic names cannot contain '#', so this key is unambiguous. */
function slot(topic: string, partition: number): string {
  return `${topic}#${partition}`;
}
