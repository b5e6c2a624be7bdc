import { describe, expect, it } from 'vitest';
import { enginePolicy } from '../../infra/resilience.ts';
import { AppError } from '../../runtime/errors.ts';

/** What every adapter's engine calls rely on (infra/resilience.ts). */
describe('engine policy', () => {
  it('retries a transient failure and answers with the attempt that worked', async () => {
    const guard = enginePolicy({ engine: 'redis', retries: 2 });
    let attempts = 0;
    const answer = await guard('get', async () => {
      attempts += 1;
      if (attempts < 3) throw new Error('ECONNRESET');
      return 'value';
    });
    expect(answer).toBe('value');
    expect(attempts).toBe(3);
  });

  it('passes an AppError through at once, without retrying it', async () => {
    const guard = enginePolicy({ engine: 'mongodb' });
    let attempts = 0;
    const conflict = new AppError('CONFLICT', 'duplicate key');
    await expect(
      guard('insertOne', async () => {
        attempts += 1;
        throw conflict;
      }),
    ).rejects.toBe(conflict);
    expect(attempts).toBe(1);
  });

  it("translates the engine's refusal with the call's `refuse` once, without retrying it; transient failures are still retried, AppErrors passed through", async () => {
    const isTransient = (error: unknown) => (error as Error).message === 'ECONNRESET';
    const guard = enginePolicy({ engine: 's3', retries: 2, isTransient });
    const refuse = (error: unknown) => new AppError('NOT_FOUND', `[s3] get: ${(error as Error).message}`);
    const failingWith = (errors: Error[]) => {
      let attempts = 0;
      const fn = async () => {
        const error = errors[attempts++];
        if (error) throw error;
        return 'body';
      };
      return { fn, attempts: () => attempts };
    };

    const refused = failingWith([new Error('NoSuchKey'), new Error('NoSuchKey')]);
    await expect(guard('get', refused.fn, refuse)).rejects.toMatchObject({ code: 'NOT_FOUND', message: '[s3] get: NoSuchKey' });
    expect(refused.attempts()).toBe(1);

    const flaky = failingWith([new Error('ECONNRESET')]);
    await expect(guard('get', flaky.fn, refuse)).resolves.toBe('body');
    expect(flaky.attempts()).toBe(2);

    const conflict = new AppError('CONFLICT', 'exists');
    await expect(guard('get', failingWith([conflict]).fn, refuse)).rejects.toBe(conflict);

    // Without `refuse` the same refusal is retried as the policy's transient test allows, then ENGINE_UNAVAILABLE.
    const untranslated = failingWith([new Error('NoSuchKey')]);
    await expect(guard('get', untranslated.fn)).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: '[s3] get failed: NoSuchKey' });
    expect(untranslated.attempts()).toBe(1);
  });

  it('gives up on a call that outlives its timeout with ENGINE_UNAVAILABLE, naming the engine and operation, and aborts its signal', async () => {
    const guard = enginePolicy({ engine: 'kafka', timeoutMs: 50, retries: 0 });
    let seen: AbortSignal | undefined;
    await expect(
      guard('send', (signal) => {
        seen = signal;
        return new Promise(() => {});
      }),
    ).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: '[kafka] send failed: timed out' });
    expect(seen?.aborted).toBe(true);
  });

  it('opens the breaker after consecutive failures: later calls fail at once without reaching the engine', async () => {
    const guard = enginePolicy({ engine: 'elasticsearch', retries: 0, breakAfter: 3, halfOpenAfterMs: 60_000 });
    let reached = 0;
    const failing = async () => {
      reached += 1;
      throw new Error('ECONNREFUSED');
    };
    for (let i = 0; i < 3; i++) await expect(guard('search', failing)).rejects.toMatchObject({ message: '[elasticsearch] search failed: ECONNREFUSED' });
    await expect(guard('search', failing)).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: '[elasticsearch] search failed: circuit open after repeated failures' });
    expect(reached).toBe(3);
  });

  it('runs many calls at once, and one call fanned out over many requests, without a listener-leak warning from Node', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const guard = enginePolicy({ engine: 'mongodb' });
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => guard('find', () => new Promise((resolve) => setTimeout(() => resolve(i), 5)))));
      expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => i));
      // One call's signal handed to 50 parallel requests, each listening for its abort (a split $in find).
      const listened = await guard('find', async (signal) => {
        for (let part = 0; part < 50; part++) signal.addEventListener('abort', () => {}, { once: true });
        return 50;
      });
      expect(listened).toBe(50);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
