import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Coalescer } from '../../runtime/coalescer.ts';

/** A task per call that stays running until the test settles it. */
function heldTasks() {
  const started: Array<{ key: string; value: number; settle: (error?: Error) => void }> = [];
  const task = (key: string, value: number) =>
    new Promise<void>((resolve, reject) => started.push({ key, value, settle: (error) => (error ? reject(error) : resolve()) }));
  return { started, task };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('Coalescer', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => process.on('unhandledRejection', onUnhandled));
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
    unhandled.length = 0;
  });

  it('runs one task per key; the calls made meanwhile share one more, on the value keep chose', async () => {
    const { started, task } = heldTasks();
    const coalescer = new Coalescer<number>(task, (queued, offered) => Math.max(queued, offered));
    const first = coalescer.run('a', 1);
    const later = [coalescer.run('a', 5), coalescer.run('a', 3), coalescer.run('a', 4)];
    const other = coalescer.run('b', 9);
    expect(started.map(({ key, value }) => [key, value])).toEqual([['a', 1], ['b', 9]]);
    started[0]!.settle();
    await first;
    await turn();
    expect(started.map(({ key, value }) => [key, value])).toEqual([['a', 1], ['b', 9], ['a', 5]]);
    started[2]!.settle();
    started[1]!.settle();
    await Promise.all([...later, other]);
    expect(started).toHaveLength(3);
  });

  it('fails only the callers of a failed task, runs the next one, and leaves no rejection unhandled', async () => {
    const { started, task } = heldTasks();
    const coalescer = new Coalescer<number>(task);
    const first = coalescer.run('a', 1);
    const queued = coalescer.run('a', 2);
    started[0]!.settle(new Error('first failed'));
    await expect(first).rejects.toThrow('first failed');
    await turn();
    started[1]!.settle(new Error('queued failed'));
    await expect(queued).rejects.toThrow('queued failed');
    await turn();
    await turn();
    expect(unhandled).toEqual([]);
    const after = coalescer.run('a', 3);
    started[2]!.settle();
    await after;
    expect(started.map(({ value }) => value)).toEqual([1, 2, 3]);
    expect(unhandled).toEqual([]);
  });
});
