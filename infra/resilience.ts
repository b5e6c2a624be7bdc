import { setMaxListeners } from 'node:events';
import {
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleAll,
  handleWhen,
  retry,
  timeout,
  TimeoutStrategy,
  wrap,
  BrokenCircuitError,
  TaskCancelledError,
  type IPolicy,
} from 'cockatiel';
import { AppError, isAppError } from '../runtime/errors.ts';

/**
 * The one resilience policy for calls to engines and webhooks: timeout, retry with exponential
 * backoff for transient failures, and a circuit breaker per engine. Adapters wrap every network
 * call with `guard(...)`; nothing else in the codebase writes its own retry loop.
 */
export interface EnginePolicyOptions {
  /** Engine name for error messages: 'mongodb', 'redis', 'kafka', 'elasticsearch', 's3', 'webhook'. */
  engine: string;
  timeoutMs?: number;
  retries?: number;
  /** Consecutive failures that open the breaker. */
  breakAfter?: number;
  /** How long the breaker stays open before a trial call. */
  halfOpenAfterMs?: number;
  /** Errors worth retrying; AppErrors (e.g. CONFLICT) never are. */
  isTransient?: (error: unknown) => boolean;
}

export interface EngineGuard {
  /**
   * Runs `fn` under the policy. With `refuse`, a failure that is neither an AppError nor transient
   * is the engine's own answer (a refusal: not found, denied, invalid): it is translated by `refuse`
   * and never retried. Without it, such a failure ends as ENGINE_UNAVAILABLE.
   */
  <T>(operation: string, fn: (signal: AbortSignal) => Promise<T>, refuse?: (error: unknown) => AppError): Promise<T>;
  readonly policy: IPolicy;
}

/**
 * The parent signal of every guarded call. Cockatiel hangs one abort listener per call in flight on
 * the signal it is given (removed when the call ends) and, given none, on one it shares: with more
 * than 10 calls in flight Node warned of a leak. This one allows any number, and so does each
 * call's own signal, which a call fanned out over parallel requests (a split `$in`) hands to all.
 */
const callsInFlight = new AbortController().signal;
setMaxListeners(0, callsInFlight);

function unbounded(signal: AbortSignal): AbortSignal {
  setMaxListeners(0, signal);
  return signal;
}

export function enginePolicy(options: EnginePolicyOptions): EngineGuard {
  const isTransient = options.isTransient ?? (() => true);
  const transient = handleWhen((error) => !isAppError(error) && isTransient(error));
  const policy = wrap(
    retry(transient, {
      maxAttempts: options.retries ?? 2,
      backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1_000 }),
    }),
    circuitBreaker(transient, {
      halfOpenAfter: options.halfOpenAfterMs ?? 5_000,
      breaker: new ConsecutiveBreaker(options.breakAfter ?? 5),
    }),
    // abortOnReturn false: aborting every finished call's signal built a DOMException (a stack trace) per engine call.
    timeout(options.timeoutMs ?? 5_000, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false }),
  );
  const guard = (async <T>(operation: string, fn: (signal: AbortSignal) => Promise<T>, refuse?: (error: unknown) => AppError): Promise<T> => {
    const attempt = refuse ? translated(fn, isTransient, refuse) : fn;
    try {
      return await policy.execute(({ signal }) => attempt(unbounded(signal)), callsInFlight);
    } catch (error) {
      if (isAppError(error)) throw error;
      const reason =
        error instanceof BrokenCircuitError
          ? 'circuit open after repeated failures'
          : error instanceof TaskCancelledError
            ? 'timed out'
            : error instanceof Error
              ? error.message
              : String(error);
      throw new AppError('ENGINE_UNAVAILABLE', `[${options.engine}] ${operation} failed: ${reason}`, { cause: error });
    }
  }) as EngineGuard;
  Object.defineProperty(guard, 'policy', { value: policy });
  return guard;
}

/** `fn`, with its refusals (neither AppErrors nor transient) made AppErrors by `refuse`, so the policy does not retry them. */
function translated<T>(fn: (signal: AbortSignal) => Promise<T>, isTransient: (error: unknown) => boolean, refuse: (error: unknown) => AppError) {
  return async (signal: AbortSignal): Promise<T> => {
    try {
      return await fn(signal);
    } catch (error) {
      if (isAppError(error) || isTransient(error)) throw error;
      throw refuse(error);
    }
  };
}

/**
 * Startup work against engines that may not be up yet (indexes, topics): retried forever with
 * capped exponential backoff, each failure logged with the delay before the next attempt, so a
 * process waits for its engines instead of crash-looping without a word. Errors that `giveUpOn`
 * accepts (a wrong configuration, which no retry can fix) end it at once, rejected with that error.
 */
export async function retryUntilDone(
  what: string,
  fn: () => Promise<void>,
  onRetry: (error: unknown, attempt: number, delayMs: number) => void,
  options: { initialDelayMs?: number; maxDelayMs?: number; signal?: AbortSignal; giveUpOn?: (error: unknown) => boolean } = {},
): Promise<void> {
  const { giveUpOn } = options;
  const policy = retry(giveUpOn ? handleWhen((error) => !giveUpOn(error)) : handleAll, {
    maxAttempts: Number.POSITIVE_INFINITY,
    backoff: new ExponentialBackoff({ initialDelay: options.initialDelayMs ?? 500, maxDelay: options.maxDelayMs ?? 30_000 }),
  });
  policy.onRetry(({ attempt, delay, ...reason }) => onRetry('error' in reason ? reason.error : reason, attempt, delay));
  await policy.execute(() => fn(), options.signal);
}

/**
 * Optimistic concurrency: a write another writer overtook (`isConflict`) is made again, after a
 * short jittered pause, until it lands or `maxAttempts` have lost. Only for writes that change
 * nothing when refused. The pauses are short (≤ 40 ms each); the engine calls inside keep their
 * own guard, and the store adapter runs the whole inside one, whose timeout then bounds it. The
 * last conflict is rethrown for the caller to translate.
 */
export function retryOnConflict(isConflict: (error: unknown) => boolean, maxAttempts = 40): <T>(fn: () => Promise<T>) => Promise<T> {
  const policy = retry(handleWhen(isConflict), {
    maxAttempts,
    backoff: new ExponentialBackoff({ initialDelay: 1, maxDelay: 40 }),
  });
  return (fn) => policy.execute(() => fn());
}
