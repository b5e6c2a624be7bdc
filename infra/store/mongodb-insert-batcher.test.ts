import { describe, expect, it } from 'vitest';
import { InsertBatcher, type SendInserts } from './mongodb-insert-batcher.ts';
import type { Doc } from './port.ts';

/** A server stand-in that records each call and answers with `answer`. */
function recording(answer: (collection: string, docs: Doc[]) => Promise<unknown[]>) {
  const calls: Array<{ collection: string; ids: string[] }> = [];
  const send: SendInserts = (collection, docs) => {
    calls.push({ collection, ids: docs.map((doc) => doc._id) });
    return answer(collection, docs);
  };
  return { calls, batcher: new InsertBatcher(send) };
}

const inserted = async (_collection: string, docs: Doc[]) => docs.map(() => undefined);

describe('InsertBatcher', () => {
  it('sends the inserts of one turn of the event loop as one call per collection, in call order', async () => {
    const { calls, batcher } = recording(inserted);
    await Promise.all([batcher.insert('events', { _id: 'e1' }), batcher.insert('messages', { _id: 'm1' }), batcher.insert('events', { _id: 'e2' })]);
    await batcher.insert('events', { _id: 'e3' });
    expect(calls).toEqual([
      { collection: 'events', ids: ['e1', 'e2'] },
      { collection: 'messages', ids: ['m1'] },
      { collection: 'events', ids: ['e3'] },
    ]);
  });

  it("settles each caller with its own document's outcome", async () => {
    const conflict = new Error('duplicate key');
    const { batcher } = recording(async (_collection, docs) => docs.map((doc) => (doc._id === 'dup' ? conflict : undefined)));
    const outcomes = await Promise.allSettled([batcher.insert('events', { _id: 'a' }), batcher.insert('events', { _id: 'dup' }), batcher.insert('events', { _id: 'b' })]);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: undefined },
      { status: 'rejected', reason: conflict },
      { status: 'fulfilled', value: undefined },
    ]);
  });

  it('fails every caller of a call that failed as a whole, and the next turn starts afresh', async () => {
    const lost = new Error('connection lost');
    let fail = true;
    const { calls, batcher } = recording(async (collection, docs) => {
      if (fail) throw lost;
      return inserted(collection, docs);
    });
    const outcomes = await Promise.allSettled([batcher.insert('events', { _id: 'a' }), batcher.insert('events', { _id: 'b' })]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(outcomes.map((outcome) => (outcome as PromiseRejectedResult).reason)).toEqual([lost, lost]);
    fail = false;
    await batcher.insert('events', { _id: 'c' });
    expect(calls.at(-1)).toEqual({ collection: 'events', ids: ['c'] });
  });

  it('splits a turn of more than 256 inserts into calls of at most 256', async () => {
    const { calls, batcher } = recording(inserted);
    await Promise.all(Array.from({ length: 600 }, (_, i) => batcher.insert('events', { _id: `e${i}` })));
    expect(calls.map((call) => call.ids.length)).toEqual([256, 256, 88]);
    expect(calls.flatMap((call) => call.ids)).toEqual(Array.from({ length: 600 }, (_, i) => `e${i}`));
  });
});
