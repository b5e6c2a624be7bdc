import { z } from 'zod';

/**
 * File names as clients declare them. They never become storage paths (keys are the server's),
 * but they do come back in Content-Disposition and in every client's UI, so a name that carries
 * a path, control characters or bidirectional overrides ("gpj.exe" shown as "exe.jpg") is refused
 * outright rather than quietly rewritten.
 */
const PATH_SEPARATORS = /[/\\]/;
const CONTROL_CHARACTERS = /\p{Cc}/u;
const BIDI_OVERRIDES = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;

export const FileName = z
  .string()
  .min(1)
  .max(255)
  .refine((name) => !PATH_SEPARATORS.test(name), 'must be a plain file name without "/" or "\\"')
  .refine((name) => name !== '.' && name !== '..', 'must not be "." or ".."')
  .refine((name) => !CONTROL_CHARACTERS.test(name), 'must not contain control characters')
  .refine((name) => !BIDI_OVERRIDES.test(name), 'must not contain bidirectional text controls')
  .refine((name) => name.trim() === name && name.length > 0, 'must not start or end with whitespace');

/** The name a thumbnail downloads as: the original's stem, marked. */
export function thumbnailFileName(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const stem = dot > 0 ? fileName.slice(0, dot) : fileName;
  return `${stem.slice(0, 200)}.thumbnail.webp`;
}
