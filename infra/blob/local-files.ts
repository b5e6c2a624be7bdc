import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, rmdir, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { decodeSegment, objectLocation, prefixDirectory, SIDECAR_SUFFIX } from './local-layout.ts';
import type { BlobMeta } from './port.ts';
import type { Clock } from '../../runtime/clock.ts';

/**
 * Objects as files with a JSON sidecar (see local-layout.ts). A write streams into a temp file
 * while hashing and counting, is checked against what was declared, and only then renamed into
 * place; the sidecar is replaced last, atomically, so readers see the old object or the new one,
 * never a mix, and a refused upload leaves nothing behind.
 */
interface StoredMeta extends BlobMeta {
  checksumSha256: string;
  /** Data file name in the object's directory. */
  data: string;
}

export interface WriteExpectations {
  contentType: string;
  contentLength?: number;
  checksumSha256?: string;
}

export type WriteOutcome =
  | { ok: true; meta: BlobMeta }
  | { ok: false; problem: 'length' | 'checksum'; message: string };

export interface OpenObject {
  meta: BlobMeta;
  file: FileHandle;
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

function publicMeta(stored: StoredMeta): BlobMeta {
  return { key: stored.key, size: stored.size, contentType: stored.contentType, checksumSha256: stored.checksumSha256, lastModified: stored.lastModified };
}

export class ObjectFiles {
  private readonly objects: string;
  private readonly tmp: string;
  /** Commits and deletes of one key run one at a time (local mode is a single process). */
  private readonly keyQueues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly adapter: string,
    root: string,
    private readonly clock: Clock,
  ) {
    this.objects = join(root, 'objects');
    this.tmp = join(root, 'tmp');
  }

  async write(key: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, expected: WriteExpectations): Promise<WriteOutcome> {
    const location = objectLocation(this.adapter, this.objects, key);
    await mkdir(this.tmp, { recursive: true });
    const tmpPath = join(this.tmp, randomUUID());
    let committed = false;
    try {
      const received = await this.receive(tmpPath, chunks, expected.contentLength);
      const declared = expected.contentLength;
      if (received === 'too-long' || (declared !== undefined && received.size !== declared)) {
        return { ok: false, problem: 'length', message: `the body is not the declared ${declared} bytes` };
      }
      if (expected.checksumSha256 !== undefined && received.checksumSha256 !== expected.checksumSha256) {
        return { ok: false, problem: 'checksum', message: 'the body does not match the declared SHA-256 checksum' };
      }
      const meta = await this.serialized(key, async () => {
        const previous = await this.readSidecar(location.sidecar);
        const data = location.dataName(randomBytes(8).toString('hex'));
        await this.moveInto(tmpPath, join(location.dir, data));
        committed = true;
        const stored: StoredMeta = { key, contentType: expected.contentType, lastModified: this.clock.now(), ...received, data };
        const sidecarTmp = join(this.tmp, randomUUID());
        await writeFile(sidecarTmp, JSON.stringify(stored));
        await rename(sidecarTmp, location.sidecar);
        if (previous) await rm(join(location.dir, previous.data), { force: true });
        return publicMeta(stored);
      });
      return { ok: true, meta };
    } finally {
      if (!committed) await rm(tmpPath, { force: true });
    }
  }

  async head(key: string): Promise<BlobMeta | null> {
    const stored = await this.readSidecar(objectLocation(this.adapter, this.objects, key).sidecar);
    return stored && publicMeta(stored);
  }

  /** Opens the current data file; the caller closes it. Null when the object is absent. */
  async open(key: string): Promise<OpenObject | null> {
    const location = objectLocation(this.adapter, this.objects, key);
    // A concurrent overwrite may remove the data file between reading the sidecar and opening
    // it; the sidecar then already names the new file, so read it again.
    for (let attempt = 0; ; attempt += 1) {
      const stored = await this.readSidecar(location.sidecar);
      if (!stored) return null;
      try {
        return { meta: publicMeta(stored), file: await open(join(location.dir, stored.data), 'r') };
      } catch (error) {
        if (!isMissing(error) || attempt >= 3) throw error;
      }
    }
  }

  /** Removes the object; true when it existed. Empty parent directories go too. */
  async remove(key: string): Promise<boolean> {
    const location = objectLocation(this.adapter, this.objects, key);
    return this.serialized(key, async () => {
      const stored = await this.readSidecar(location.sidecar);
      if (!stored) return false;
      await rm(location.sidecar, { force: true });
      await rm(join(location.dir, stored.data), { force: true });
      await this.pruneEmptyDirectories(location.dir);
      return true;
    });
  }

  /** Every object whose key starts with prefix, in key order. */
  async list(prefix: string): Promise<BlobMeta[]> {
    const slash = prefix.lastIndexOf('/');
    const start = prefixDirectory(this.objects, slash < 0 ? null : prefix.slice(0, slash));
    const found = await this.walk(start, prefix.slice(slash + 1));
    return found.filter((meta) => meta.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Sidecars below dir whose first path segment (below dir) starts with namePrefix. */
  private async walk(dir: string, namePrefix: string): Promise<BlobMeta[]> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const found: BlobMeta[] = [];
    for (const entry of entries) {
      if (entry.isDirectory() && decodeSegment(entry.name).startsWith(namePrefix)) {
        found.push(...(await this.walk(join(dir, entry.name), '')));
      } else if (entry.isFile() && entry.name.endsWith(SIDECAR_SUFFIX)) {
        if (!decodeSegment(entry.name.slice(0, -SIDECAR_SUFFIX.length)).startsWith(namePrefix)) continue;
        const stored = await this.readSidecar(join(dir, entry.name));
        if (stored) found.push(publicMeta(stored));
      }
    }
    return found;
  }

  private async receive(path: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, limit: number | undefined) {
    const file = await open(path, 'wx');
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of chunks) {
        size += chunk.byteLength;
        // Stop reading at once rather than spool an oversized body to disk.
        if (limit !== undefined && size > limit) return 'too-long' as const;
        hash.update(chunk);
        await file.write(chunk);
      }
      await file.datasync();
    } finally {
      await file.close();
    }
    return { size, checksumSha256: hash.digest('base64') };
  }

  private async readSidecar(path: string): Promise<StoredMeta | null> {
    try {
      return JSON.parse(await readFile(path, 'utf8')) as StoredMeta;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  /** Renames into a directory that a concurrent delete of a sibling may have just pruned. */
  private async moveInto(from: string, to: string): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      await mkdir(dirname(to), { recursive: true });
      try {
        return await rename(from, to);
      } catch (error) {
        if (!isMissing(error) || attempt >= 3) throw error;
      }
    }
  }

  private async pruneEmptyDirectories(dir: string): Promise<void> {
    for (let current = dir; current.startsWith(this.objects) && current !== this.objects; current = dirname(current)) {
      try {
        await rmdir(current);
      } catch (error) {
        // Not empty (or already gone): the directories above are in use too.
        if (['ENOTEMPTY', 'EEXIST', 'ENOENT'].includes((error as NodeJS.ErrnoException).code ?? '')) return;
        throw error;
      }
    }
  }

  private serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.keyQueues.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.keyQueues.set(key, settled);
    void settled.then(() => {
      if (this.keyQueues.get(key) === settled) this.keyQueues.delete(key);
    });
    return next;
  }
}
