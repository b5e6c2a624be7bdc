import { stat } from 'node:fs/promises';
import { AppError, isAppError } from '../../runtime/errors.ts';
import { parseContentType, parseKey, parsePrefix, parsePresignGet, parsePresignPut, parseRange } from './input.ts';
import { ObjectFiles } from './local-files.ts';
import { handleBlobRequest } from './local-http.ts';
import type { BlobMeta, BlobPort, PresignedRequest, PresignGetOptions, PresignPutOptions } from './port.ts';
import type { BlobSealing } from './sealing.ts';
import { UrlSigner } from './url-signing.ts';
import { systemClock, type Clock } from '../../runtime/clock.ts';

/**
 * Embedded object storage: files under `dir` (normally `<CAAS_DATA_DIR>/blobs`), and presigned
 * URLs that this process serves itself. Mount `handle` at `/blob/*` of the public base URL.
 *
 * @example
 *   const blob = new LocalBlob({ dir: '.caas/blobs', baseUrl: publicUrl(config), secret });
 *   app.all('/blob/*', (c) => blob.handle(c.req.raw));
 */
export interface LocalBlobOptions {
  /** Root directory for objects, temp files and nothing else. */
  dir: string;
  /** Public base URL the presigned URLs point at, e.g. `http://localhost:3000`. */
  /** Public base URL the runtime serves `/blob/*` under; a function is read at each use (the port may be known only once listening). */
  baseUrl: string | (() => string);
  /** HMAC key for URL signatures (see signing-secret.ts); 32 random bytes or more. */
  secret: string | Uint8Array;
  /** Time for URL expiry and object dates; default the system clock (the platform passes its own). */
  clock?: Clock;
  /** Encryption at rest of the files (the domain's, through `sealWith`); without it files hold the bytes as uploaded. */
  sealing?: BlobSealing;
}

const NAME = 'blob:local';

export class LocalBlob implements BlobPort {
  readonly name = 'local';
  private readonly dir: string;
  private readonly baseUrlSource: () => string;
  private readonly files: ObjectFiles;
  private readonly signer: UrlSigner;
  private readonly clock: Clock;

  constructor(private readonly options: LocalBlobOptions) {
    this.dir = options.dir;
    const { baseUrl } = options;
    this.baseUrlSource = typeof baseUrl === 'function' ? baseUrl : () => baseUrl;
    this.clock = options.clock ?? systemClock;
    this.files = new ObjectFiles(NAME, options.dir, this.clock, options.sealing);
    this.signer = new UrlSigner(typeof options.secret === 'string' ? Buffer.from(options.secret) : options.secret);
  }

  private get baseUrl(): URL {
    return new URL(this.baseUrlSource().replace(/\/?$/, '/'));
  }

  /** The same files with encryption at rest: new writes are sealed; files written before stay readable. */
  sealWith(sealing: BlobSealing): LocalBlob {
    return new LocalBlob({ ...this.options, sealing });
  }

  /** Serves presigned PUT and GET requests (Web-standard Request/Response). */
  handle(request: Request): Promise<Response> {
    return handleBlobRequest({ files: this.files, signer: this.signer, clock: this.clock, basePath: this.baseUrl.pathname.replace(/\/$/, '') }, request);
  }

  async presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    const validKey = parseKey(NAME, key);
    const valid = parsePresignPut(NAME, options);
    const expiresAt = this.clock.now() + valid.expiresInSec * 1000;
    const url = this.signedUrl({
      method: 'PUT',
      key: validKey,
      expiresAt,
      contentType: valid.contentType,
      contentLength: valid.contentLength,
      ...(valid.checksumSha256 !== undefined ? { checksumSha256: valid.checksumSha256 } : {}),
    });
    const headers: Record<string, string> = { 'content-type': valid.contentType };
    if (valid.checksumSha256 !== undefined) headers['x-amz-checksum-sha256'] = valid.checksumSha256;
    return { method: 'PUT', url, headers, expiresAt };
  }

  async presignGet(key: string, options: PresignGetOptions): Promise<PresignedRequest> {
    const validKey = parseKey(NAME, key);
    const valid = parsePresignGet(NAME, options);
    const expiresAt = this.clock.now() + valid.expiresInSec * 1000;
    const downloadName = valid.downloadName !== undefined ? { downloadName: valid.downloadName } : {};
    const url = this.signedUrl({ method: 'GET', key: validKey, expiresAt, ...downloadName });
    return { method: 'GET', url, headers: {}, expiresAt };
  }

  async put(key: string, body: Uint8Array, options: { contentType: string }): Promise<void> {
    const validKey = parseKey(NAME, key);
    const contentType = parseContentType(NAME, options.contentType);
    await this.guard('put', async () => {
      const outcome = await this.files.write(validKey, [body], { contentType, contentLength: body.byteLength });
      if (!outcome.ok) throw new AppError('INTERNAL', `[${NAME}] put ${validKey}: ${outcome.message}`);
    });
  }

  async get(key: string, range?: { start: number; end: number }): Promise<Uint8Array | null> {
    const validKey = parseKey(NAME, key);
    const validRange = range === undefined ? undefined : parseRange(NAME, range);
    return this.guard('get', async () => {
      const opened = await this.files.open(validKey);
      if (!opened) return null;
      const { meta } = opened;
      try {
        const start = validRange?.start ?? 0;
        // Like S3, an end past the object is cut to its last byte; a start past it is refused.
        if (validRange && start >= meta.size) {
          throw new AppError('BAD_REQUEST', `[${NAME}] range starts at ${start} but ${validKey} has ${meta.size} bytes`);
        }
        const end = Math.min(validRange?.end ?? meta.size - 1, meta.size - 1);
        const chunks: Uint8Array[] = [];
        for await (const chunk of opened.read(start, end)) chunks.push(chunk);
        return new Uint8Array(Buffer.concat(chunks));
      } finally {
        await opened.close();
      }
    });
  }

  async copy(from: string, to: string): Promise<boolean> {
    const source = parseKey(NAME, from);
    const target = parseKey(NAME, to);
    return this.guard('copy', async () => {
      const opened = await this.files.open(source);
      if (!opened) return false;
      const { meta } = opened;
      try {
        const expected = { contentType: meta.contentType, contentLength: meta.size, ...(meta.checksumSha256 ? { checksumSha256: meta.checksumSha256 } : {}) };
        // Through the plaintext: an encrypted file is bound to its key, so the copy is sealed anew for the target.
        const outcome = await this.files.write(target, opened.read(0, meta.size - 1), expected);
        if (!outcome.ok) throw new AppError('INTERNAL', `[${NAME}] copy ${source} → ${target}: ${outcome.message}`);
        return true;
      } finally {
        await opened.close();
      }
    });
  }

  async head(key: string): Promise<BlobMeta | null> {
    const validKey = parseKey(NAME, key);
    return this.guard('head', () => this.files.head(validKey));
  }

  async list(prefix: string): Promise<BlobMeta[]> {
    const validPrefix = parsePrefix(NAME, prefix);
    return this.guard('list', () => this.files.list(validPrefix));
  }

  async delete(key: string): Promise<void> {
    const validKey = parseKey(NAME, key);
    await this.guard('delete', () => this.files.remove(validKey));
  }

  /** Refuses the empty prefix: wiping every tenant's objects is never one call away. */
  async deleteByPrefix(prefix: string): Promise<number> {
    const validPrefix = parseKey(NAME, prefix);
    return this.guard('deleteByPrefix', async () => {
      let removed = 0;
      for (const meta of await this.files.list(validPrefix)) {
        if (await this.files.remove(meta.key)) removed += 1;
      }
      return removed;
    });
  }

  async ping(): Promise<void> {
    await this.guard('ping', async () => {
      await stat(this.dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error; // Created on first write.
      });
    });
  }

  async close(): Promise<void> {
    // Nothing held open between calls: every file handle is closed by the call that opened it.
  }

  private signedUrl(grant: Parameters<UrlSigner['searchParams']>[0]): string {
    const url = new URL(`blob/${grant.key}`, this.baseUrl);
    // URL parsing resolves "." segments and the like; such a key could never be requested back.
    if (decodeURIComponent(url.pathname) !== `${this.baseUrl.pathname}blob/${grant.key}`) {
      throw new AppError('BAD_REQUEST', `[${NAME}] key ${JSON.stringify(grant.key)} cannot be addressed by URL (it has a "." segment)`);
    }
    url.search = this.signer.searchParams(grant).toString();
    return url.toString();
  }

  /** File system failures become ENGINE_UNAVAILABLE at this boundary; refusals pass through. */
  private async guard<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isAppError(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new AppError('ENGINE_UNAVAILABLE', `[${NAME}] ${operation} failed: ${message}`, { cause: error });
    }
  }
}
