/**
 * Redis replies that are the caller's mistake become BAD_REQUEST here, inside the guarded call,
 * so the resilience policy never retries them and never counts them against the breaker. Every
 * other failure (connection lost, LOADING, OOM...) is left to the policy, which reports it as
 * ENGINE_UNAVAILABLE.
 */
import { AppError } from '../../runtime/errors.ts';

/** Errors Redis returns for bad input; scripts report them inside a longer message. */
const CALLER_MISTAKES = [
  { pattern: /WRONGTYPE/, explain: (key: string) => `WRONGTYPE: '${key}' holds another kind of value` },
  { pattern: /not an integer or out of range/, explain: (key: string) => `value of '${key}' is not an integer` },
  { pattern: /would overflow/, explain: () => 'increment would overflow' },
  { pattern: /invalid expire time/, explain: () => 'ttlMs must be a positive integer' },
];

export function translateRedisError(adapter: string, key: string, error: unknown): unknown {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return error;
  const mistake = CALLER_MISTAKES.find(({ pattern }) => pattern.test(error.message));
  if (!mistake) return error;
  return new AppError('BAD_REQUEST', `[${adapter}] ${mistake.explain(key)}`, { cause: error });
}
