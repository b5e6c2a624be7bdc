import { isAppError } from '../../runtime/errors.ts';

/** Inserts a document unless another process created the same one first: theirs stands. */
export async function insertUnlessExists(insert: () => Promise<unknown>): Promise<void> {
  try {
    await insert();
  } catch (error) {
    if (!(isAppError(error) && error.code === 'CONFLICT')) throw error;
  }
}
