/**
 * Group commit for the embedded store. A write transaction's fixed cost (taking the write lock,
 * appending the touched pages to the WAL at COMMIT) is most of a small write, and concurrent
 * requests write the same hot pages (a conversation's counter, its preview, the index tails).
 * So writes are queued, and everything queued until the event loop's next check phase (a
 * setImmediate: every request whose bytes arrived in the same poll, and whatever their writes
 * led to in microtasks) runs in one BEGIN IMMEDIATE ... COMMIT, each operation inside its own
 * SAVEPOINT. Flushing at the end of the microtask queue instead committed each request's writes
 * nearly alone (≈ 4 transactions per send; batching them halved the send path's CPU):
 *
 * - atomic alone: an operation that throws is rolled back to its savepoint, the others stay;
 * - durable when settled: every promise settles after COMMIT, and if COMMIT (or SQLite itself,
 *   on I/O errors) rolls the batch back, every operation of it is rejected;
 * - in program order: once anything is queued, reads queue behind it too (and run in the same
 *   transaction); with nothing queued a read runs at once on its own snapshot.
 *
 * A caller that awaits each call sees no difference but one turn of the event loop. Under load the
 * batches form by themselves: the callers a COMMIT releases issue their next calls together.
 */
const MAX_BATCH = 256;

interface Job {
  run: () => unknown;
  write: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** What the queue needs from the connection. */
export interface BatchHost {
  /** Runs `fn` in BEGIN IMMEDIATE ... COMMIT; rolls back and rethrows when it throws. */
  inWriteTransaction(fn: () => void): void;
  /** Inside a transaction: runs `fn` in a savepoint, rolled back when it throws. */
  inSavepoint<T>(fn: () => T): T;
  /** False once SQLite has rolled the whole transaction back by itself. */
  readonly inTransaction: boolean;
  /** Told when each operation starts and when its changes, or the whole batch's, were rolled back. */
  operationStarting(): void;
  operationRolledBack(): void;
  batchRolledBack(): void;
  translateError(error: unknown): unknown;
}

export class CommitQueue {
  private jobs: Job[] = [];
  private scheduled = false;

  constructor(private readonly host: BatchHost) {}

  get idle(): boolean {
    return this.jobs.length === 0;
  }

  enqueue<T>(run: () => T, write: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ run, write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Runs everything queued now (also before close, so no accepted call is dropped). */
  flush(): void {
    this.scheduled = false;
    while (this.jobs.length > 0) this.runBatch(this.jobs.splice(0, MAX_BATCH));
  }

  /** Rejects everything queued, e.g. when the store closed under it. */
  rejectAll(error: unknown): void {
    for (const job of this.jobs.splice(0)) job.reject(error);
  }

  private runBatch(batch: Job[]): void {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    const alone = batch.length === 1;
    try {
      this.host.inWriteTransaction(() => {
        for (const job of batch) {
          this.host.operationStarting();
          try {
            outcomes.push({ ok: true, value: alone || !job.write ? job.run() : this.host.inSavepoint(job.run) });
          } catch (error) {
            this.host.operationRolledBack();
            if (alone || !this.host.inTransaction) throw error; // the whole transaction is gone: fail the batch
            outcomes.push({ ok: false, error: this.host.translateError(error) });
          }
        }
      });
    } catch (error) {
      this.host.batchRolledBack();
      const failure = this.host.translateError(error);
      for (const job of batch) job.reject(failure);
      return;
    }
    batch.forEach((job, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }
}
