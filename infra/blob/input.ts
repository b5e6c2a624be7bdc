import { z } from 'zod';
import { AppError } from '../../runtime/errors.ts';
import { BLOB_KEY_PATTERN, type PresignGetOptions, type PresignPutOptions } from './port.ts';
import { parsePortInput } from '../port-input.ts';

/**
 * Validation of what callers hand the blob port, shared by every adapter so local files and S3
 * refuse the same input with BAD_REQUEST. Limits are S3's: 5 GiB for a single PUT, presigned URLs
 * valid from 1 second to 7 days.
 */
export const BLOB_LIMITS = {
  maxObjectBytes: 5 * 1024 ** 3,
  maxExpiresInSec: 7 * 24 * 3600,
} as const;

// Printable ASCII only: these values end up in HTTP headers, where CR/LF would inject headers.
const contentType = z.string().min(1).max(255).regex(/^[\x21-\x7e][\x20-\x7e]*$/, 'must be printable ASCII');
const expiresInSec = z.number().int().min(1).max(BLOB_LIMITS.maxExpiresInSec);
const checksumSha256 = z
  .string()
  .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be the base64 SHA-256 of the body (44 characters)');

const presignPutSchema = z.object({
  contentType,
  contentLength: z.number().int().min(0).max(BLOB_LIMITS.maxObjectBytes),
  checksumSha256: checksumSha256.optional(),
  expiresInSec,
});

const presignGetSchema = z.object({
  expiresInSec,
  downloadName: z.string().min(1).max(255).regex(/^[^\p{Cc}]+$/u, 'must not contain control characters').optional(),
});

const rangeSchema = z
  .object({ start: z.number().int().min(0), end: z.number().int().min(0) })
  .refine((range) => range.start <= range.end, 'start must not be after end');

export function parseKey(adapter: string, key: unknown): string {
  if (typeof key === 'string' && BLOB_KEY_PATTERN.test(key)) return key;
  throw new AppError('BAD_REQUEST', `[${adapter}] invalid key ${JSON.stringify(key)}: use 1-512 of [A-Za-z0-9/_.-], no "..", no leading "/"`, {
    issues: [{ path: 'key', message: 'invalid blob key' }],
  });
}

/** A prefix is a key's beginning; the empty prefix means every object. */
export function parsePrefix(adapter: string, prefix: unknown): string {
  return prefix === '' ? '' : parseKey(adapter, prefix);
}

export function parsePresignPut(adapter: string, options: PresignPutOptions): PresignPutOptions {
  return parsePortInput(adapter, 'presignPut options', presignPutSchema, options);
}

export function parsePresignGet(adapter: string, options: PresignGetOptions): PresignGetOptions {
  return parsePortInput(adapter, 'presignGet options', presignGetSchema, options);
}

export function parseContentType(adapter: string, value: unknown): string {
  return parsePortInput(adapter, 'contentType', contentType, value);
}

export function parseRange(adapter: string, range: unknown): { start: number; end: number } {
  return parsePortInput(adapter, 'range', rangeSchema, range);
}
