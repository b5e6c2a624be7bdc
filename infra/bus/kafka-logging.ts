/**
 * Routes kafkajs's own log lines (reconnects, rebalances, consumer restarts) to our logger at
 * warn, or nowhere. They are diagnostics: every failure that matters to a caller also surfaces as
 * a rejected call or through the adapter's `onError`.
 */
import { logLevel, type logCreator } from 'kafkajs';

export interface KafkaLogSink {
  warn(details: Record<string, unknown>, message: string): void;
}

export function kafkaLogLevel(sink: KafkaLogSink | undefined): logLevel {
  // kafkajs's INFO and DEBUG lines describe normal operation; only WARN and ERROR are worth a look.
  return sink ? logLevel.WARN : logLevel.NOTHING;
}

/**
 * Said by kafkajs for every idempotent producer with bounded retries. The risk it names (a
 * retried-out batch's sequence numbers reused by the next batch) is handled by the adapter, which
 * sends one batch at a time and replaces the producer after a failed send (kafka-producer.ts).
 */
const HANDLED_WARNING = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';

export function kafkaLogCreator(sink: KafkaLogSink | undefined): logCreator {
  return () =>
    ({ namespace, label, log }) => {
      if (!sink || log.message === HANDLED_WARNING) return;
      const { message, timestamp: _timestamp, ...details } = log;
      sink.warn({ component: 'kafkajs', namespace, kafkaLevel: label, ...details }, message);
    };
}
