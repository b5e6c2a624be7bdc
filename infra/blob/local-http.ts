import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { isAppError } from '../../runtime/errors.ts';
import { attachmentDisposition } from './content-disposition.ts';
import { parseRangeHeader } from './http-range.ts';
import type { ObjectFiles, OpenObject } from './local-files.ts';
import { BLOB_KEY_PATTERN } from './port.ts';
import type { Grant, UrlSigner } from './url-signing.ts';
import type { Clock } from '../../runtime/clock.ts';

/**
 * The local runtime's stand-in for an S3 endpoint: serves presigned PUT and GET requests for
 * `<base>/blob/<key>` with Web-standard Request/Response, answering refusals the way S3 does
 * (XML error documents, 403 for expired or altered URLs, 400 for a body that breaks the signed
 * constraints). Downloads carry nosniff and a sandboxing CSP because they are served from the
 * API's own origin and their content type was chosen by whoever uploaded them.
 */
export interface BlobHttpContext {
  files: ObjectFiles;
  signer: UrlSigner;
  clock: Clock;
  /** Path of the public base URL (e.g. "" or "/caas"); requests arrive at `<basePath>/blob/<key>`. */
  basePath: string;
}

function xmlEscape(value: string): string {
  return value.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

function s3Error(status: number, code: string, message: string, extraHeaders: Record<string, string> = {}): Response {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><RequestId>${randomUUID()}</RequestId></Error>`;
  return new Response(body, { status, headers: { 'content-type': 'application/xml', ...extraHeaders } });
}

function keyFromPath(pathname: string, basePath: string): string | null {
  for (const mount of [`${basePath}/blob/`, '/blob/']) {
    if (!pathname.startsWith(mount)) continue;
    try {
      return decodeURIComponent(pathname.slice(mount.length));
    } catch {
      return null; // Malformed percent-encoding: no object can have this name.
    }
  }
  return null;
}

async function* chunksOf(body: ReadableStream<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield value;
    }
    finished = true;
  } finally {
    // A refused upload stops reading early; the rest of the client's body is of no interest.
    if (!finished) void reader.cancel().catch(() => undefined);
  }
}

async function acceptUpload(context: BlobHttpContext, request: Request, grant: Grant): Promise<Response> {
  const contentType = request.headers.get('content-type');
  if (grant.contentType !== undefined && contentType !== grant.contentType) {
    return s3Error(400, 'InvalidArgument', `Content-Type must be "${grant.contentType}" as signed, got "${contentType ?? ''}"`);
  }
  const declaredLength = request.headers.get('content-length');
  if (grant.contentLength !== undefined && declaredLength !== null && Number(declaredLength) !== grant.contentLength) {
    return s3Error(400, 'InvalidArgument', `Content-Length must be ${grant.contentLength} as signed, got ${declaredLength}`);
  }
  const declaredChecksum = request.headers.get('x-amz-checksum-sha256');
  if (declaredChecksum !== null && grant.checksumSha256 !== undefined && declaredChecksum !== grant.checksumSha256) {
    return s3Error(400, 'InvalidArgument', 'x-amz-checksum-sha256 differs from the signed checksum');
  }
  const outcome = await context.files.write(grant.key, chunksOf(request.body), {
    contentType: grant.contentType ?? contentType ?? 'application/octet-stream',
    ...(grant.contentLength !== undefined ? { contentLength: grant.contentLength } : {}),
    ...(grant.checksumSha256 !== undefined ? { checksumSha256: grant.checksumSha256 } : {}),
  });
  if (!outcome.ok) {
    return outcome.problem === 'checksum' ? s3Error(400, 'BadDigest', outcome.message) : s3Error(400, 'IncompleteBody', outcome.message);
  }
  const checksum = outcome.meta.checksumSha256 ?? '';
  return new Response(null, {
    status: 200,
    headers: { etag: `"${Buffer.from(checksum, 'base64').toString('hex')}"`, 'x-amz-checksum-sha256': checksum },
  });
}

async function serveDownload(context: BlobHttpContext, request: Request, grant: Grant): Promise<Response> {
  const opened = await context.files.open(grant.key);
  if (!opened) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
  const { meta } = opened;
  const range = parseRangeHeader(request.headers.get('range'), meta.size);
  if (range === 'unsatisfiable') {
    await opened.close();
    return s3Error(416, 'InvalidRange', 'The requested range is not satisfiable', { 'content-range': `bytes */${meta.size}` });
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? meta.size - 1;
  const headers: Record<string, string> = {
    'content-type': meta.contentType,
    'content-length': String(end - start + 1),
    'last-modified': new Date(meta.lastModified).toUTCString(),
    etag: `"${Buffer.from(meta.checksumSha256 ?? '', 'base64').toString('hex')}"`,
    'accept-ranges': 'bytes',
    'cache-control': 'private',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "sandbox; default-src 'none'",
  };
  if (grant.downloadName !== undefined) headers['content-disposition'] = attachmentDisposition(grant.downloadName);
  if (range) headers['content-range'] = `bytes ${start}-${end}/${meta.size}`;
  if (end < start) {
    await opened.close();
    return new Response(null, { status: 200, headers });
  }
  const chunks = closing(opened, start, end);
  // The first piece is read (and, encrypted, authenticated) before answering: a damaged file is an
  // error response, not a 200 with garbage. A later damaged segment aborts the body.
  const first = await chunks.next();
  async function* body() {
    if (!first.done) yield first.value;
    yield* chunks;
  }
  const stream = Readable.toWeb(Readable.from(body(), { objectMode: false })) as ReadableStream<Uint8Array>;
  return new Response(stream, { status: range ? 206 : 200, headers });
}

async function* closing(opened: OpenObject, start: number, end: number): AsyncGenerator<Uint8Array> {
  try {
    yield* opened.read(start, end);
  } finally {
    await opened.close();
  }
}

export async function handleBlobRequest(context: BlobHttpContext, request: Request): Promise<Response> {
  try {
    const url = new URL(request.url);
    const key = keyFromPath(url.pathname, context.basePath);
    if (key === null || !BLOB_KEY_PATTERN.test(key)) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
    if (request.method !== 'GET' && request.method !== 'PUT') {
      return s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', { allow: 'GET, PUT' });
    }
    if (!context.signer.isSigned(url.searchParams)) return s3Error(403, 'AccessDenied', 'The request is not signed.');
    const grant = context.signer.verify(request.method, key, url.searchParams);
    if (!grant) {
      return s3Error(403, 'SignatureDoesNotMatch', 'The request signature does not match: the URL was altered or is used with another method.');
    }
    if (context.clock.now() > grant.expiresAt) return s3Error(403, 'AccessDenied', 'Request has expired');
    return grant.method === 'PUT' ? await acceptUpload(context, request, grant) : await serveDownload(context, request, grant);
  } catch (error) {
    // Refusals become S3-style answers; anything else is the runtime's to log and render.
    if (isAppError(error) && error.status < 500) return s3Error(error.status, 'InvalidArgument', error.message);
    throw error;
  }
}
