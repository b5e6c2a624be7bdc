/**
 * Publish-time checks every bus adapter applies before anything is written, so a bad batch is
 * refused whole with the same error codes on the embedded log and on Kafka.
 */
import { AppError } from '../../runtime/errors.ts';
import { BUS_LIMITS, type OutgoingMessage, type SubscribeOptions } from './port.ts';

/** Kafka's legal topic names: up to 249 of [a-zA-Z0-9._-], not '.' or '..'. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export function assertTopicName(adapter: string, topic: string): void {
  if (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
    throw new AppError('BAD_REQUEST', `[${adapter}] invalid topic name '${topic}': use 1-249 of [a-zA-Z0-9._-]`);
  }
}

/** Bytes a message occupies on the log: key, value and headers, UTF-8 encoded. */
export function messageBytes(message: OutgoingMessage): number {
  let bytes = Buffer.byteLength(message.key) + Buffer.byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return bytes;
}

export function assertPublishable(adapter: string, topic: string, messages: OutgoingMessage[]): void {
  assertTopicName(adapter, topic);
  messages.forEach((message, index) => {
    // The port is typed, but JavaScript callers and parsed payloads can still slip a non-string in.
    const headers = Object.values(message.headers ?? {});
    if (typeof message.key !== 'string' || typeof message.value !== 'string' || headers.some((h) => typeof h !== 'string')) {
      throw new AppError('BAD_REQUEST', `[${adapter}] message ${index} to '${topic}' needs string key, value and headers`);
    }
    const bytes = messageBytes(message);
    if (bytes > BUS_LIMITS.maxMessageBytes) {
      throw new AppError(
        'LIMIT_EXCEEDED',
        `[${adapter}] message ${index} to '${topic}' is ${bytes} bytes; the limit is ${BUS_LIMITS.maxMessageBytes}`,
      );
    }
  });
}

/** A subscription names a group and at least one valid topic. */
export function assertSubscribable(adapter: string, options: SubscribeOptions): void {
  if (typeof options.group !== 'string' || options.group.length === 0) {
    throw new AppError('BAD_REQUEST', `[${adapter}] subscribe needs a non-empty group name`);
  }
  if (options.topics.length === 0) throw new AppError('BAD_REQUEST', `[${adapter}] subscribe needs at least one topic`);
  for (const topic of options.topics) assertTopicName(adapter, topic);
  if ((options.handler === undefined) === (options.handleBatch === undefined)) {
    throw new AppError('BAD_REQUEST', `[${adapter}] subscribe needs exactly one of handler and handleBatch`);
  }
}
