import type { OutboxItem, OutboxStore } from './store.ts';

const STORE = 'outbox';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** The outbox in IndexedDB (database `name`, one per user is wise): queued sends survive reloads. */
export function indexedDbOutboxStore(name: string, factory: IDBFactory = globalThis.indexedDB): OutboxStore {
  let opened: Promise<IDBDatabase> | undefined;
  const db = () =>
    (opened ??= new Promise((resolve, reject) => {
      const open = factory.open(name, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: 'clientMessageId' });
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    }));
  const store = async (mode: IDBTransactionMode) => (await db()).transaction(STORE, mode).objectStore(STORE);
  return {
    load: async () => ((await request((await store('readonly')).getAll())) as OutboxItem[]).sort((a, b) => a.order - b.order),
    put: async (item) => void (await request((await store('readwrite')).put(item))),
    delete: async (id) => void (await request((await store('readwrite')).delete(id))),
  };
}

/** IndexedDB where the platform has it (browsers), memory otherwise (Node). */
export function hasIndexedDb(): boolean {
  return typeof globalThis.indexedDB !== 'undefined';
}
