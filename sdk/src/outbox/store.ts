import type { BodyOf } from '../rest/types.ts';

/** A message waiting to be sent; its clientMessageId is fixed when it is queued and never changes. */
export interface OutboxItem {
  clientMessageId: string;
  conversationId: string;
  body: BodyOf<'messages.send'> & { clientMessageId: string };
  /** Queue order: items go out by increasing `order`. */
  order: number;
  queuedAt: number;
}

/** Where queued sends survive: memory (Node, tests) or IndexedDB (browsers, across reloads). */
export interface OutboxStore {
  load(): Promise<OutboxItem[]>;
  put(item: OutboxItem): Promise<void>;
  delete(clientMessageId: string): Promise<void>;
}

export function memoryOutboxStore(): OutboxStore {
  const items = new Map<string, OutboxItem>();
  return {
    load: async () => [...items.values()].sort((a, b) => a.order - b.order),
    put: async (item) => void items.set(item.clientMessageId, structuredClone(item)),
    delete: async (id) => void items.delete(id),
  };
}
