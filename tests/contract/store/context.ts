import { randomBytes } from 'node:crypto';
import type { Collection, Doc, StorePort } from '../../../infra/store/port.ts';

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
