import { join } from 'node:path';
import { AppError } from '../../runtime/errors.ts';

/**
 * Where an object lives on disk. The key's path mirrors directories, so the tree is browsable
 * and a prefix listing only walks the matching subtree:
 *
 *   key  a1/media/m1/photo.png
 *   ->   objects/a1/media/m1/photo.png~meta.json   (sidecar: key, type, size, sha256, data file)
 *        objects/a1/media/m1/photo.png~<id>.data   (bytes; a new file per write)
 *
 * `~` never occurs in keys, so a suffixed file can never collide with a directory of another key
 * (keys `a` and `a/b` coexist). Segments a filesystem cannot hold as names ("" and ".") are
 * spelled `~` and `~.`.
 */
export const SIDECAR_SUFFIX = '~meta.json';
/** Leaves room for the suffixes within the usual 255-byte file name limit. */
const MAX_SEGMENT_LENGTH = 200;

export function encodeSegment(segment: string): string {
  if (segment === '') return '~';
  if (segment === '.') return '~.';
  return segment;
}

export function decodeSegment(name: string): string {
  if (name === '~') return '';
  if (name === '~.') return '.';
  return name;
}

export interface ObjectLocation {
  dir: string;
  sidecar: string;
  /** File name (in dir) for a new data file. */
  dataName(id: string): string;
}

export function objectLocation(adapter: string, objectsRoot: string, key: string): ObjectLocation {
  const segments = key.split('/');
  if (segments.some((segment) => segment.length > MAX_SEGMENT_LENGTH)) {
    throw new AppError('BAD_REQUEST', `[${adapter}] key segments longer than ${MAX_SEGMENT_LENGTH} characters are not supported`);
  }
  const last = encodeSegment(segments.pop() ?? '');
  const dir = join(objectsRoot, ...segments.map(encodeSegment));
  return { dir, sidecar: join(dir, `${last}${SIDECAR_SUFFIX}`), dataName: (id) => `${last}~${id}.data` };
}

/** The directory holding the objects whose keys start with `dirPart/` (dirPart: whole segments). */
export function prefixDirectory(objectsRoot: string, dirPart: string | null): string {
  return dirPart === null ? objectsRoot : join(objectsRoot, ...dirPart.split('/').map(encodeSegment));
}
