/**
 * Mapping between the bus port's messages and Kafka records, and the cut of a publish into
 * produce requests the broker accepts.
 */
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { messageBytes } from './limits.ts';
import { BUS_LIMITS, type BusMessage, type OutgoingMessage } from './port.ts';

/**
 * Kafka caps a whole record batch (all messages of one partition in one request) at
 * message.max.bytes, not each message; the port caps each message. So a publish is sent in
 * chunks of at most this many bytes (plus a per-record allowance for framing), each chunk one
 * produce request, in order. A single message always fits: the port refuses larger ones.
 */
const CHUNK_BYTES = BUS_LIMITS.maxMessageBytes;
const RECORD_OVERHEAD_BYTES = 64;

export function toRecords(messages: OutgoingMessage[]): Message[][] {
  const chunks: Message[][] = [];
  let chunk: Message[] = [];
  let chunkBytes = 0;
  for (const message of messages) {
    const bytes = messageBytes(message) + RECORD_OVERHEAD_BYTES;
    if (chunk.length > 0 && chunkBytes + bytes > CHUNK_BYTES) {
      chunks.push(chunk);
      chunk = [];
      chunkBytes = 0;
    }
    chunk.push({ key: message.key, value: message.value, headers: { ...message.headers } });
    chunkBytes += bytes;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

export function toBusMessage(topic: string, partition: number, record: KafkaMessage): BusMessage {
  return {
    topic,
    partition,
    offset: record.offset,
    key: record.key?.toString('utf8') ?? '',
    value: record.value?.toString('utf8') ?? '',
    headers: toHeaders(record.headers),
    timestamp: Number(record.timestamp),
  };
}

/** Kafka allows a header name more than once; the port has one value per name, so the last wins. */
function toHeaders(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (last !== undefined) result[name] = last.toString();
  }
  return result;
}
