import { afterAll, beforeAll, describe } from 'vitest';
import type { Doc, StorePort } from '../../infra/store/port.ts';
import { randomSuffix, type StoreTestContext } from './store/context.ts';
import { describeIndexes } from './store/indexes.ts';
import { describeQueries } from './store/queries.ts';
import { describeSafety } from './store/safety.ts';
import { describeUpdates } from './store/updates.ts';
import { describeWrites } from './store/writes.ts';

/**
 * The store port's contract, run unchanged on every adapter (embedded SQLite, MongoDB). It speaks
 * only through StorePort and asserts MongoDB's own behaviour, so a difference between adapters
 * shows up here as a failure. Every test works in its own randomly named collection, all under
 * one per-run prefix that is dropped at the end, so the suite can share a real server.
 */
export function storeContract(factory: () => Promise<StorePort>): void {
  describe('store port contract', () => {
    let store: StorePort;
    const runPrefix = `contract_${randomSuffix()}_`;

    beforeAll(async () => {
      store = await factory();
    });

    afterAll(async () => {
      await store.dropCollections(runPrefix);
      await store.close();
    });

    const context: StoreTestContext = {
      store: () => store,
      uniqueName: (label) => `${runPrefix}${label}_${randomSuffix()}`,
      async seeded<T extends Doc>(label: string, docs: T[] = []) {
        const collection = store.collection<T>(context.uniqueName(label));
        if (docs.length > 0) await collection.insertMany(docs);
        return collection;
      },
    };

    describeQueries(context);
    describeUpdates(context);
    describeWrites(context);
    describeIndexes(context);
    describeSafety(context);
  });
}
