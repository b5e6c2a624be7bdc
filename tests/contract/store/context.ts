import { randomBytes } from 'node:crypto';
import type { TestContext } from 'vitest';
import type { Collection, Doc, StoreCapabilities, StorePort } from '../../../infra/store/port.ts';

/** What each part of the store contract gets: the store under test and unique collection names. */
export interface StoreTestContext {
  store(): StorePort;
  /** A collection name no other test (or earlier run on a shared engine) uses. */
  uniqueName(label: string): string;
  /** A fresh collection, optionally seeded. */
  seeded<T extends Doc>(label: string, docs?: T[]): Promise<Collection<T>>;
}

export function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}

export function ids(docs: Array<{ _id: string }>): string[] {
  return docs.map((doc) => doc._id).sort();
}

/** A capability a test relies on; a flag absent from StoreCapabilities means supported. */
export type Needs = keyof StoreCapabilities;

/**
 * Skips the running test, naming the gap, on a store that declares it lacks `capability` (e.g.
 * FerretDB's); every store that has it runs the test in full. Never a silent pass.
 */
export function requireCapability(test: TestContext, store: StorePort, capability: Needs | undefined): void {
  if (capability !== undefined && store.capabilities[capability] === false) {
    test.skip(`${store.name} declares capabilities.${capability}: false`);
  }
}
