import { mkdir, readdir, rename, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { decodeSegment, SIDECAR_SUFFIX } from './local-layout.ts';

/** The directory tree of the local blob files (local-layout.ts): walking sidecars, moving files in, pruning. */
export const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** Sidecars below dir whose first path segment (below dir) starts with namePrefix, as `read` parses them. */
export async function sidecarsBelow<T>(dir: string, namePrefix: string, read: (path: string) => Promise<T | null>): Promise<T[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const found: T[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() && decodeSegment(entry.name).startsWith(namePrefix)) {
      found.push(...(await sidecarsBelow(join(dir, entry.name), '', read)));
    } else if (entry.isFile() && entry.name.endsWith(SIDECAR_SUFFIX)) {
      if (!decodeSegment(entry.name.slice(0, -SIDECAR_SUFFIX.length)).startsWith(namePrefix)) continue;
      const stored = await read(join(dir, entry.name));
      if (stored) found.push(stored);
    }
  }
  return found;
}

/** Renames into a directory that a concurrent delete of a sibling may have just pruned. */
export async function moveInto(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    await mkdir(dirname(to), { recursive: true });
    try {
      return await rename(from, to);
    } catch (error) {
      if (!isMissing(error) || attempt >= 3) throw error;
    }
  }
}

/** Removes dir and its empty parents, up to (not including) root. */
export async function pruneEmptyDirectories(root: string, dir: string): Promise<void> {
  for (let current = dir; current.startsWith(root) && current !== root; current = dirname(current)) {
    try {
      await rmdir(current);
    } catch (error) {
      // Not empty (or already gone): the directories above are in use too.
      if (['ENOTEMPTY', 'EEXIST', 'ENOENT'].includes((error as NodeJS.ErrnoException).code ?? '')) return;
      throw error;
    }
  }
}
