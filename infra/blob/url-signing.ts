import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Presigned URL grants for the local runtime, in the manner of S3 query-string signing: an
 * HMAC-SHA256 over the method, the key, the expiry and every constraint the upload or download is
 * held to. Changing any of them in the URL, or using the URL with another method, breaks the
 * signature. The secret never leaves the process.
 */
export interface Grant {
  method: 'PUT' | 'GET';
  key: string;
  /** Epoch milliseconds after which the URL is refused. */
  expiresAt: number;
  contentType?: string;
  contentLength?: number;
  checksumSha256?: string;
  downloadName?: string;
}

const PARAMS = {
  expiresAt: 'X-Caas-Expires',
  contentType: 'X-Caas-Content-Type',
  contentLength: 'X-Caas-Content-Length',
  checksumSha256: 'X-Caas-Checksum-Sha256',
  downloadName: 'X-Caas-Download-Name',
  signature: 'X-Caas-Signature',
} as const;

const DIGITS = /^\d{1,16}$/;

export class UrlSigner {
  constructor(private readonly secret: Uint8Array) {}

  /** Query parameters (constraints and signature) to append to the object's URL. */
  searchParams(grant: Grant): URLSearchParams {
    const params = new URLSearchParams({ [PARAMS.expiresAt]: String(grant.expiresAt) });
    if (grant.contentType !== undefined) params.set(PARAMS.contentType, grant.contentType);
    if (grant.contentLength !== undefined) params.set(PARAMS.contentLength, String(grant.contentLength));
    if (grant.checksumSha256 !== undefined) params.set(PARAMS.checksumSha256, grant.checksumSha256);
    if (grant.downloadName !== undefined) params.set(PARAMS.downloadName, grant.downloadName);
    params.set(PARAMS.signature, this.signature(grant));
    return params;
  }

  /** True when the query carries a signature at all (unsigned requests get AccessDenied). */
  isSigned(params: URLSearchParams): boolean {
    return params.has(PARAMS.signature);
  }

  /** The grant a request's method, key and query stand for; null unless the signature verifies. */
  verify(method: string, key: string, params: URLSearchParams): Grant | null {
    const expiresAt = params.get(PARAMS.expiresAt);
    const contentLength = params.get(PARAMS.contentLength);
    const signature = params.get(PARAMS.signature);
    if ((method !== 'PUT' && method !== 'GET') || !expiresAt || !DIGITS.test(expiresAt) || !signature) return null;
    if (contentLength !== null && !DIGITS.test(contentLength)) return null;
    const grant: Grant = { method, key, expiresAt: Number(expiresAt) };
    const contentType = params.get(PARAMS.contentType);
    const checksumSha256 = params.get(PARAMS.checksumSha256);
    const downloadName = params.get(PARAMS.downloadName);
    if (contentType !== null) grant.contentType = contentType;
    if (contentLength !== null) grant.contentLength = Number(contentLength);
    if (checksumSha256 !== null) grant.checksumSha256 = checksumSha256;
    if (downloadName !== null) grant.downloadName = downloadName;
    const expected = Buffer.from(this.signature(grant), 'base64url');
    const given = Buffer.from(signature, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected) ? grant : null;
  }

  private signature(grant: Grant): string {
    // A JSON array keeps field boundaries unambiguous whatever characters the values hold.
    const canonical = JSON.stringify([
      'caas-blob-v1',
      grant.method,
      grant.key,
      grant.expiresAt,
      grant.contentType ?? null,
      grant.contentLength ?? null,
      grant.checksumSha256 ?? null,
      grant.downloadName ?? null,
    ]);
    return createHmac('sha256', this.secret).update(canonical).digest('base64url');
  }
}
