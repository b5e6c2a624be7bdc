import type { estypes } from '@elastic/elasticsearch';
import { AppError } from '../../runtime/errors.ts';
import { BulkItemsRejected, isTransientStatus, missingIndex } from './elasticsearch-errors.ts';

/**
 * Reads a bulk response item by item. A version conflict (409) is the external-versioning rule at
 * work: that write was older than what is stored and is ignored, as the port specifies. Returns how
 * many writes were applied; throws for anything else that went wrong.
 */
export function appliedWrites(adapter: string, operation: string, index: string, response: estypes.BulkResponse): number {
  let applied = 0;
  const rejected: string[] = [];
  for (const item of response.items) {
    const result = Object.values(item)[0];
    if (!result) continue;
    if (!result.error) {
      applied += 1;
      continue;
    }
    const type = result.error.type;
    if (result.status === 409) continue;
    if (type === 'index_not_found_exception') throw missingIndex(adapter, index);
    if (isTransientStatus(result.status)) {
      rejected.push(type);
      continue;
    }
    const code = result.status === 400 ? 'BAD_REQUEST' : 'INTERNAL';
    throw new AppError(code, `[${adapter}] ${operation} on "${index}": the engine refused document ${JSON.stringify(result._id)} (${type})`);
  }
  if (rejected.length > 0) throw new BulkItemsRejected(rejected.length, rejected[0] as string);
  return applied;
}
