/**
 * The content types media may be declared as, and what the first bytes of each must look like.
 * A type is offered only when its content can be verified: binary formats by their signature
 * (detected with `file-type`), text formats by carrying no binary bytes. SVG and HTML are left
 * out on purpose: served back to a browser they run script.
 *
 * `sniffed` lists the detections that count as a match: some containers are detected as their
 * family (an .xlsx whose first entries were cut off is a zip, Word 97 is a CFB file, an audio-only
 * WebM is a WebM).
 */
export type ContentExpectation = { kind: 'binary'; sniffed: readonly string[] } | { kind: 'text' };

const binary = (...sniffed: string[]): ContentExpectation => ({ kind: 'binary', sniffed });
const TEXT: ContentExpectation = { kind: 'text' };

const OOXML = 'application/vnd.openxmlformats-officedocument';
const ODF = 'application/vnd.oasis.opendocument';

export const MEDIA_TYPES: Readonly<Record<string, ContentExpectation>> = {
  'image/png': binary('image/png', 'image/apng'),
  'image/jpeg': binary('image/jpeg'),
  'image/gif': binary('image/gif'),
  'image/webp': binary('image/webp'),
  'image/heic': binary('image/heic', 'image/heic-sequence', 'image/heif', 'image/heif-sequence'),
  'image/heif': binary('image/heif', 'image/heif-sequence', 'image/heic', 'image/heic-sequence'),
  'image/avif': binary('image/avif'),
  'video/mp4': binary('video/mp4', 'video/x-m4v'),
  'video/quicktime': binary('video/quicktime'),
  'video/webm': binary('video/webm'),
  'video/3gpp': binary('video/3gpp'),
  'audio/mpeg': binary('audio/mpeg'),
  'audio/mp4': binary('audio/mp4', 'audio/x-m4a', 'video/mp4'),
  'audio/aac': binary('audio/aac'),
  'audio/ogg': binary('audio/ogg', 'audio/ogg; codecs=opus', 'audio/opus', 'application/ogg'),
  'audio/wav': binary('audio/wav'),
  'audio/webm': binary('video/webm', 'audio/webm'),
  'application/pdf': binary('application/pdf'),
  'application/zip': binary('application/zip'),
  'application/rtf': binary('application/rtf'),
  'application/msword': binary('application/x-cfb'),
  'application/vnd.ms-excel': binary('application/x-cfb'),
  'application/vnd.ms-powerpoint': binary('application/x-cfb'),
  [`${OOXML}.wordprocessingml.document`]: binary(`${OOXML}.wordprocessingml.document`, 'application/zip'),
  [`${OOXML}.spreadsheetml.sheet`]: binary(`${OOXML}.spreadsheetml.sheet`, 'application/zip'),
  [`${OOXML}.presentationml.presentation`]: binary(`${OOXML}.presentationml.presentation`, 'application/zip'),
  [`${ODF}.text`]: binary(`${ODF}.text`, 'application/zip'),
  [`${ODF}.spreadsheet`]: binary(`${ODF}.spreadsheet`, 'application/zip'),
  [`${ODF}.presentation`]: binary(`${ODF}.presentation`, 'application/zip'),
  'text/plain': TEXT,
  'text/csv': TEXT,
  'text/markdown': TEXT,
  'application/json': TEXT,
};

export const KNOWN_MEDIA_TYPES: readonly string[] = Object.keys(MEDIA_TYPES);

/** Images the worker makes thumbnails of. */
export const THUMBNAIL_SOURCE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif']);

/** `Image/PNG; charset=x` → `image/png`: limits and signatures are about the base type. */
export function baseContentType(declared: string): string {
  return (declared.split(';')[0] ?? '').trim().toLowerCase();
}
