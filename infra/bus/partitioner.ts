/**
 * Key -> partition, the same way Kafka's default partitioner does it (Java client and kafkajs's
 * DefaultPartitioner): murmur2 of the key's UTF-8 bytes, made positive, modulo the partition
 * count. So a key lands on the same partition number in the embedded log and in Kafka.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's `Utils.murmur2`: returns a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) | 0;
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length % 4;
  if (tail === 3) h ^= data[whole + 2]! << 16;
  if (tail >= 2) h ^= data[whole + 1]! << 8;
  if (tail >= 1) h = Math.imul(h ^ data[whole]!, M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

export function partitionForKey(key: string, partitions: number): number {
  // Kafka's Utils.toPositive masks the sign bit rather than taking Math.abs.
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}
