import { randomBytes } from 'node:crypto';

/**
 * Random bytes for the many small draws of a request (ids, ivs), taken from a pool filled 16 KiB
 * at a time: one call into the CSPRNG per few hundred draws instead of one each. Each draw is a
 * view of bytes no other draw gets; a spent pool is replaced, never refilled, so views stay valid.
 * For values that are public once used (ids, ivs): a view shares its memory with other draws, so
 * secrets (keys, tokens) take `randomBytes` of their own.
 */
const POOL_BYTES = 16 * 1024;
let pool = Buffer.alloc(0);
let offset = 0;

export function pooledRandomBytes(size: number): Buffer {
  if (size > POOL_BYTES) return randomBytes(size);
  if (offset + size > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  offset += size;
  return pool.subarray(offset - size, offset);
}
