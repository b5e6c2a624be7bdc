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

export function kafkaLogCreator(sink: KafkaLogSink | undefined): logCreator {
  return () =>
    ({ namespace, label, log }) => {
      if (!sink) return;
      const { message, timestamp: _timestamp, ...details } = log;
      sink.warn({ component: 'kafkajs', namespace, kafkaLevel: label, ...details }, message);
    };
}
