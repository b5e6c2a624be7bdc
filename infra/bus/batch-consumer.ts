/**
 * What both bus adapters hand a partition's messages to: a subscriber's per-message `handler`
 * (run one by one, stopping at the first failure) or its `handleBatch` (all or nothing), seen
 * through one shape so each adapter has a single delivery path.
 */
import type { BusMessage, SubscribeOptions } from './port.ts';

/** Most messages one `handleBatch` call receives. */
export const MAX_BATCH = 100;

export interface BatchOutcome {
  /** The first `handled` messages were handled and may be committed. */
  handled: number;
  /** Why message `handled` (and, for a batch handler, everything after it) was not. */
  failure: { error: unknown } | null;
}

export type BatchConsumer = (messages: BusMessage[]) => Promise<BatchOutcome>;

/** For options assertSubscribable() accepted: exactly one of the two handlers is set. */
export function batchConsumerOf(options: Pick<SubscribeOptions, 'handler' | 'handleBatch'>): BatchConsumer {
  const { handler, handleBatch } = options;
  if (handleBatch) {
    return async (messages) => {
      try {
        await handleBatch(messages);
        return { handled: messages.length, failure: null };
      } catch (error) {
        return { handled: 0, failure: { error } };
      }
    };
  }
  return async (messages) => {
    for (const [index, message] of messages.entries()) {
      try {
        await handler!(message);
      } catch (error) {
        return { handled: index, failure: { error } };
      }
    }
    return { handled: messages.length, failure: null };
  };
}
