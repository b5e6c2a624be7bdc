import type { BusPort } from '../../infra/bus/port.ts';
import type { Logger } from '../logger.ts';

/**
 * The audit hook: the router records every mutating call here without waiting on it. Records are
 * batched (100 records or 5 s, whichever first) onto the audit topic, keyed by app so each app's
 * chain stays ordered; the compliance worker appends them to the hash chain.
 */
export interface AuditRecord {
  at: number;
  requestId: string;
  appId: string | null;
  actor: { kind: string; id: string | null };
  action: string;
  method: string;
  path: string;
  target: Record<string, string>;
  status: number;
  outcome: 'success' | 'denied' | 'failure';
}

export interface AuditTrail {
  record(entry: AuditRecord): void;
  /** Sends whatever is buffered; called on shutdown. */
  flush(): Promise<void>;
}

export const AUDIT_TOPIC = 'audit';
export const AUDIT_BATCH_SIZE = 100;
export const AUDIT_FLUSH_MS = 5_000;

export function busAuditTrail(bus: BusPort, log: Logger, options = { batchSize: AUDIT_BATCH_SIZE, flushMs: AUDIT_FLUSH_MS }): AuditTrail {
  let buffer: AuditRecord[] = [];
  let timer: NodeJS.Timeout | null = null;
  let sending: Promise<void> = Promise.resolve();

  function send(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    if (buffer.length === 0) return sending;
    const batch = buffer;
    buffer = [];
    const messages = batch.map((entry) => ({ key: entry.appId ?? 'platform', value: JSON.stringify(entry) }));
    // Serialized so batches reach the topic in the order they were recorded.
    sending = sending
      .then(() => bus.publish(AUDIT_TOPIC, messages))
      .catch((error: unknown) => {
        // The response has long been sent; put the records back so the next flush retries them.
        buffer = batch.concat(buffer);
        log.error({ err: error, records: batch.length }, 'audit batch not published; will retry');
        schedule();
      });
    return sending;
  }

  function schedule(): void {
    if (timer) return;
    timer = setTimeout(() => void send(), options.flushMs);
    timer.unref();
  }

  return {
    record(entry) {
      buffer.push(entry);
      if (buffer.length >= options.batchSize) void send();
      else schedule();
    },
    flush: send,
  };
}
