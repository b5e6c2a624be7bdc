/**
 * Properties computed on first access, once (then held like plain values, and assignable): how the
 * sealed store defers decrypting a field until a caller reads it (sealed-values.ts).
 */
type Obj = Record<string, unknown>;

/** Objects holding lazy properties: copied with their accessors (a spread would decrypt them). */
const withLazy = new WeakSet<Obj>();

export function copyOf(node: Obj): Obj {
  if (!withLazy.has(node)) return { ...node };
  const out = Object.defineProperties({}, Object.getOwnPropertyDescriptors(node)) as Obj;
  withLazy.add(out);
  return out;
}

export function lazyProperty(target: Obj, key: string, compute: () => unknown): void {
  withLazy.add(target);
  let done = false;
  let value: unknown;
  Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get() {
      if (!done) {
        value = compute();
        done = true;
      }
      return value;
    },
    set(next: unknown) {
      value = next;
      done = true;
    },
  });
}
