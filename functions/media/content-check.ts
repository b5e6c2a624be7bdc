import { fileTypeFromBuffer } from 'file-type';
import { MEDIA_TYPES } from './media-types.ts';

/**
 * Does an object's beginning match the type its uploader declared? Storage checked size, type
 * header and checksum; only the bytes tell what the file really is. `file-type` reads the
 * signature from the sample; text formats have none, so they pass when the sample has no NUL
 * byte and no signature of a binary format.
 */
export const SNIFF_BYTES = 8192;

export type ContentVerdict = { ok: true; detected: string | null } | { ok: false; detected: string | null; reason: string };

export async function checkContent(declaredType: string, sample: Uint8Array): Promise<ContentVerdict> {
  const expectation = MEDIA_TYPES[declaredType];
  const detected = (await fileTypeFromBuffer(sample))?.mime ?? null;
  if (!expectation) return { ok: false, detected, reason: `${declaredType} is not a supported media type` };
  if (expectation.kind === 'binary') {
    if (detected !== null && expectation.sniffed.includes(detected)) return { ok: true, detected };
    const seen = detected ?? 'not a recognizable format';
    return { ok: false, detected, reason: `the uploaded bytes are ${seen}, not the declared ${declaredType}` };
  }
  if (detected !== null) return { ok: false, detected, reason: `the uploaded bytes are ${detected}, not the declared ${declaredType}` };
  if (sample.includes(0)) return { ok: false, detected, reason: `the uploaded bytes are binary, not the declared ${declaredType}` };
  return { ok: true, detected };
}
