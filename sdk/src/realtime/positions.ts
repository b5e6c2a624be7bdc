/**
 * The last sequence processed per conversation: what `resume` names after any reconnect. Kept in
 * memory by default; in browsers `localStoragePositions` keeps them across page loads.
 */
export interface PositionStore {
  get(conversationId: string): number | undefined;
  set(conversationId: string, seq: number): void;
  delete(conversationId: string): void;
  all(): Record<string, number>;
}

export function memoryPositions(initial: Record<string, number> = {}): PositionStore {
  const positions = new Map(Object.entries(initial));
  return {
    get: (id) => positions.get(id),
    set: (id, seq) => void positions.set(id, seq),
    delete: (id) => void positions.delete(id),
    all: () => Object.fromEntries(positions),
  };
}

/** Positions under one localStorage key (e.g. per user), written on every change. */
export function localStoragePositions(key: string, storage: Storage = globalThis.localStorage): PositionStore {
  const read = (): Record<string, number> => {
    try {
      return JSON.parse(storage.getItem(key) ?? '{}') as Record<string, number>;
    } catch {
      return {};
    }
  };
  const memory = memoryPositions(read());
  const save = () => storage.setItem(key, JSON.stringify(memory.all()));
  return {
    get: memory.get,
    set: (id, seq) => (memory.set(id, seq), save()),
    delete: (id) => (memory.delete(id), save()),
    all: memory.all,
  };
}
