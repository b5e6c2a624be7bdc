/**
 * Encryption of blob files at rest as the blob adapters see it: a capability the domain hands in
 * (functions/crypto/blob-sealing.ts, through `BlobPort.sealWith`), since infra/ never imports the
 * domain. The adapter frames a file as a header and numbered segments of `segmentSize` plaintext
 * bytes (the last one shorter, an empty object one empty segment); the sealing seals and opens each
 * segment, binding the object key, the segment's index and whether it is the last into it. A range
 * read opens only the segments it covers; a reordered, truncated or extended file fails.
 */
export interface BlobSealing {
  /** Plaintext bytes per segment (every segment but the last holds exactly this many). */
  readonly segmentSize: number;
  /** Bytes sealing adds to a segment. */
  readonly overhead: number;
  /** Starts a new version of `key`: the header to store before its segments, and their sealer. */
  seal(key: string): Promise<SegmentSealer>;
  /** Opens a stored version from its header. */
  open(key: string, header: Uint8Array): Promise<SegmentOpener>;
}

export interface SegmentSealer {
  readonly header: Uint8Array;
  segment(index: number, last: boolean, plaintext: Uint8Array): Uint8Array;
}

export interface SegmentOpener {
  /** Throws DECRYPTION_FAILED naming the key and segment when it was altered, moved or cut. */
  segment(index: number, last: boolean, sealed: Uint8Array): Uint8Array;
}

/** The same sealing seen through a key prefix (CAAS_NAMESPACE): the domain binds the key it named. */
export function sealingBelow(sealing: BlobSealing, prefix: string): BlobSealing {
  const strip = (key: string) => (key.startsWith(prefix) ? key.slice(prefix.length) : key);
  return {
    segmentSize: sealing.segmentSize,
    overhead: sealing.overhead,
    seal: (key) => sealing.seal(strip(key)),
    open: (key, header) => sealing.open(strip(key), header),
  };
}
