import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../runtime/errors.ts';
import { objectLocation, prefixDirectory } from './local-layout.ts';
import { isMissing, moveInto, pruneEmptyDirectories, sidecarsBelow } from './local-tree.ts';
import type { BlobMeta } from './port.ts';
import { plainEncoder, plainReader, segmentEncoder, segmentReader, type ChunkEncoder, type RangeReader } from './sealed-frames.ts';
import type { BlobSealing } from './sealing.ts';
import type { Clock } from '../../runtime/clock.ts';

/**
 * Objects as files with a JSON sidecar (see local-layout.ts). A write streams into a temp file
 * while hashing and counting, is checked against what was declared, and only then renamed into
 * place; the sidecar is replaced last, atomically, so readers see the old object or the new one,
 * never a mix, and a refused upload leaves nothing behind. With a sealing (encryption at rest) the
 * data file holds sealed segments (sealed-frames.ts); sizes and checksums stay the plaintext's.
 */
interface StoredMeta extends BlobMeta {
  checksumSha256: string;
  /** Data file name in the object's directory. */
  data: string;
  /** The data file holds sealed segments (files written before encryption was on hold plain bytes). */
  sealed?: true;
}

export interface WriteExpectations {
  contentType: string;
  contentLength?: number;
  checksumSha256?: string;
}

export type WriteOutcome =
  | { ok: true; meta: BlobMeta }
  | { ok: false; problem: 'length' | 'checksum'; message: string };

/** An object's plaintext, opened for reading; the caller closes it. */
export interface OpenObject {
  meta: BlobMeta;
  read: RangeReader;
  close(): Promise<void>;
}

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
    private readonly sealing?: BlobSealing,
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
      const encoder = this.sealing ? segmentEncoder(await this.sealing.seal(key), this.sealing.segmentSize) : plainEncoder;
      const received = await this.receive(tmpPath, chunks, expected.contentLength, encoder);
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
        await moveInto(tmpPath, join(location.dir, data));
        committed = true;
        const stored: StoredMeta = { key, contentType: expected.contentType, lastModified: this.clock.now(), ...received, data, ...(this.sealing ? { sealed: true as const } : {}) };
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
      let file;
      try {
        file = await open(join(location.dir, stored.data), 'r');
      } catch (error) {
        if (!isMissing(error) || attempt >= 3) throw error;
        continue;
      }
      try {
        return { meta: publicMeta(stored), read: await this.reader(key, stored, file), close: () => file.close() };
      } catch (error) {
        await file.close();
        throw error;
      }
    }
  }

  private async reader(key: string, stored: StoredMeta, file: Awaited<ReturnType<typeof open>>): Promise<RangeReader> {
    if (!stored.sealed) return plainReader(file);
    if (!this.sealing) throw new AppError('DECRYPTION_FAILED', `[${this.adapter}] ${key} is encrypted at rest, and this process was given no key to read it`);
    return segmentReader(this.adapter, key, file, stored.size, this.sealing);
  }

  /** Removes the object; true when it existed. Empty parent directories go too. */
  async remove(key: string): Promise<boolean> {
    const location = objectLocation(this.adapter, this.objects, key);
    return this.serialized(key, async () => {
      const stored = await this.readSidecar(location.sidecar);
      if (!stored) return false;
      await rm(location.sidecar, { force: true });
      await rm(join(location.dir, stored.data), { force: true });
      await pruneEmptyDirectories(this.objects, location.dir);
      return true;
    });
  }

  /** Every object whose key starts with prefix, in key order. */
  async list(prefix: string): Promise<BlobMeta[]> {
    const slash = prefix.lastIndexOf('/');
    const start = prefixDirectory(this.objects, slash < 0 ? null : prefix.slice(0, slash));
    const found = (await sidecarsBelow(start, prefix.slice(slash + 1), (path) => this.readSidecar(path))).map(publicMeta);
    return found.filter((meta) => meta.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async receive(path: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, limit: number | undefined, encoder: ChunkEncoder) {
    const file = await open(path, 'wx');
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of chunks) {
        size += chunk.byteLength;
        // Stop reading at once rather than spool an oversized body to disk.
        if (limit !== undefined && size > limit) return 'too-long' as const;
        hash.update(chunk);
        for (const bytes of encoder.push(chunk)) await file.write(bytes);
      }
      for (const bytes of encoder.end()) await file.write(bytes);
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
