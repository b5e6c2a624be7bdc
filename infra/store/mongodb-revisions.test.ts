import { MongoBulkWriteError, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { Update } from './port.ts';
import { translateMongoError } from './mongodb-errors.ts';
import { isIdempotent, isUpdateConflict, retryUpdateConflicts, withoutRevision, withoutRevisionField } from './mongodb-revisions.ts';

// The shape FerretDB answers with when the update guard refuses a write (its error chain, then PostgreSQL's words).
const REFUSED =
  '[msg_update.go:133 handler.(*Handler).updateDocument] [collection.go:218 postgresql.(*collection).UpdateAll.func1] ' +
  'ERROR: caas update conflict: the document changed since it was read (revision 15 written over 16) (SQLSTATE 40001)';

function serverError(code: number, errmsg: string): MongoServerError {
  return new MongoServerError({ ok: 0, code, errmsg });
}

describe('FerretDB update guard: which errors are its refusals', () => {
  it('recognises a refused update, and only that', () => {
    expect(isUpdateConflict(serverError(1, REFUSED))).toBe(true);
    expect(isUpdateConflict(serverError(1, 'ERROR: duplicate key value violates unique constraint (SQLSTATE 23505)'))).toBe(false);
    expect(isUpdateConflict(serverError(2, REFUSED))).toBe(false);
    expect(isUpdateConflict(new Error(REFUSED))).toBe(false);
  });

  it('counts a bulk write as refused only when every refusal in it is a conflict', () => {
    const bulk = (errors: Array<{ code: number; errmsg: string }>) =>
      new MongoBulkWriteError(
        { message: 'bulk', code: errors[0]!.code, writeErrors: errors.map((error, index) => ({ index, ...error })) } as never,
        { insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0, insertedIds: {}, upsertedIds: {} } as never,
      );
    expect(isUpdateConflict(bulk([{ code: 1, errmsg: REFUSED }, { code: 1, errmsg: REFUSED }]))).toBe(true);
    expect(isUpdateConflict(bulk([{ code: 1, errmsg: REFUSED }, { code: 11000, errmsg: 'E11000 duplicate key' }]))).toBe(false);
  });

  it('reports an update refused on every attempt as the engine unavailable (retry later), not an internal error', () => {
    expect(translateMongoError('store:mongodb', 'updateOne', 'messages', serverError(1, REFUSED))).toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      message: expect.stringContaining('kept changing'),
    });
  });

  it('asks again while refused, and gives up with the refusal after its attempts', async () => {
    let calls = 0;
    await expect(retryUpdateConflicts(async () => (++calls < 3 ? Promise.reject(serverError(1, REFUSED)) : 'landed'))).resolves.toBe('landed');
    expect(calls).toBe(3);

    let others = 0;
    const duplicate = serverError(11000, 'E11000 duplicate key');
    await expect(retryUpdateConflicts(async () => (others++, Promise.reject(duplicate)))).rejects.toBe(duplicate);
    expect(others).toBe(1);
  });
});

describe('FerretDB update guard: what CaaS sends and sees', () => {
  it('asks an updateMany again only when applying it twice changes nothing more', () => {
    expect(isIdempotent({ $set: { published: true }, $unset: { draft: '' } })).toBe(true);
    expect(isIdempotent({ $addToSet: { tags: 'a' }, $pull: { list: 1 } })).toBe(true);
    const applyingTwiceDoesMore: Update[] = [{ $inc: { n: 1 } }, { $push: { list: 1 } }, { $mul: { n: 2 } }];
    for (const update of applyingTwiceDoesMore) expect(isIdempotent(update)).toBe(false);
  });

  it('leaves the revision out of every read, except one naming only the fields it wants', () => {
    expect(withoutRevision(undefined)).toEqual({ _rev: 0 });
    expect(withoutRevision({ secret: 0 })).toEqual({ secret: 0, _rev: 0 });
    expect(withoutRevision({ _id: 0 })).toEqual({ _id: 0, _rev: 0 });
    // Mixing an exclusion into an inclusion is refused by the server; an inclusion never returns it anyway.
    expect(withoutRevision({ name: 1, _id: 0 })).toEqual({ name: 1, _id: 0 });
    expect(withoutRevision({ _id: 1 })).toEqual({ _id: 1 });
  });

  it('drops the revision from a document returned whole', () => {
    const doc = { _id: 'm', text: 'hi' };
    expect(withoutRevisionField({ ...doc, _rev: 4 })).toEqual(doc);
    expect(withoutRevisionField(doc)).toBe(doc);
  });
});
