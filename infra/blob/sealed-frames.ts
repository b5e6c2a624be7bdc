import type { FileHandle } from 'node:fs/promises';
import { AppError } from '../../runtime/errors.ts';
import type { BlobSealing, SegmentOpener, SegmentSealer } from './sealing.ts';

/**
 * The local blob file format when encryption at rest is on:
 *
 *   `CSG1` ‖ header length (uint16 BE) ‖ header (the sealing's: data key id, file salt)
 *   ‖ segment 0 ‖ segment 1 ‖ … ‖ last segment           each = sealed(segmentSize plaintext bytes)
 *
 * Every segment but the last holds exactly `segmentSize` plaintext bytes, so a plaintext range maps
 * to whole segments by arithmetic; the file's length must be exactly what the object's size implies.
 */
const MAGIC = Buffer.from('CSG1', 'latin1');
const FRAME = MAGIC.length + 2;

/** Turns plaintext chunks into the bytes stored (the identity for plain files). */
export interface ChunkEncoder {
  push(chunk: Uint8Array): Uint8Array[];
  end(): Uint8Array[];
}

export const plainEncoder: ChunkEncoder = { push: (chunk) => [chunk], end: () => [] };

/** Seals plaintext in segments; a full segment is held back until more bytes show it is not the last. */
export function segmentEncoder(sealer: SegmentSealer, segmentSize: number): ChunkEncoder {
  let pending = Buffer.alloc(0);
  let index = 0;
  let started = false;
  const begin = (): Uint8Array[] => {
    if (started) return [];
    started = true;
    const frame = Buffer.alloc(FRAME);
    MAGIC.copy(frame);
    frame.writeUInt16BE(sealer.header.byteLength, MAGIC.length);
    return [frame, sealer.header];
  };
  return {
    push(chunk) {
      const out = begin();
      pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
      while (pending.length > segmentSize) {
        out.push(sealer.segment(index++, false, pending.subarray(0, segmentSize)));
        pending = pending.subarray(segmentSize);
      }
      return out;
    },
    end() {
      const out = begin();
      out.push(sealer.segment(index++, true, pending));
      pending = Buffer.alloc(0);
      return out;
    },
  };
}

/** A stored file's plaintext, by inclusive byte range. */
export type RangeReader = (start: number, end: number) => AsyncGenerator<Uint8Array>;

const CHUNK = 64 * 1024;

async function readExactly(file: FileHandle, length: number, position: number): Promise<Buffer> {
  const bytes = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const { bytesRead } = await file.read(bytes, read, length - read, position + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return bytes.subarray(0, read);
}

export function plainReader(file: FileHandle): RangeReader {
  return async function* read(start, end) {
    for (let at = start; at <= end; at += CHUNK) {
      const bytes = await readExactly(file, Math.min(CHUNK, end - at + 1), at);
      if (bytes.length === 0) return;
      yield bytes;
    }
  };
}

/** Opens a sealed file of `size` plaintext bytes: checks its frame and length, then reads only the segments a range covers. */
export async function segmentReader(adapter: string, key: string, file: FileHandle, size: number, sealing: BlobSealing): Promise<RangeReader> {
  const damaged = (why: string) => new AppError('DECRYPTION_FAILED', `[${adapter}] cannot decrypt ${key}: ${why}`);
  const frame = await readExactly(file, FRAME, 0);
  if (frame.length < FRAME || !frame.subarray(0, MAGIC.length).equals(MAGIC)) throw damaged('its file does not start with an encrypted-object header');
  const headerLength = frame.readUInt16BE(MAGIC.length);
  const opener: SegmentOpener = await sealing.open(key, await readExactly(file, headerLength, FRAME));
  const { segmentSize: S, overhead: O } = sealing;
  const base = FRAME + headerLength;
  const count = Math.max(1, Math.ceil(size / S));
  const lastLength = size - (count - 1) * S;
  const expected = base + (count - 1) * (S + O) + lastLength + O;
  const actual = (await file.stat()).size;
  if (actual !== expected) throw damaged(`its file holds ${actual} bytes where ${size} plaintext bytes take ${expected}: truncated or extended`);
  return async function* read(start, end) {
    for (let index = Math.floor(start / S); index * S <= end && index < count; index++) {
      const last = index === count - 1;
      const sealed = await readExactly(file, (last ? lastLength : S) + O, base + index * (S + O));
      const plain = opener.segment(index, last, sealed);
      yield plain.subarray(Math.max(0, start - index * S), Math.min(plain.length, end - index * S + 1));
    }
  };
}
