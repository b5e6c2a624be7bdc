import type { RestClient } from './rest/client.ts';
import { ApiError } from './rest/errors.ts';
import type { ResultOf } from './rest/types.ts';

export type Media = ResultOf<'media.uploads.complete'>;

export interface UploadOptions {
  fileName: string;
  /** Default: the Blob's type, else application/octet-stream. */
  contentType?: string;
  /** Called with bytes sent so far and the total (XMLHttpRequest progress in browsers; start and end on Node). */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/** Base64 SHA-256 of the bytes, as `POST /v1/media/uploads` expects it. */
export async function sha256Base64(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function putWithProgress(url: string, headers: Record<string, string>, body: Uint8Array, options: UploadOptions): Promise<void> {
  const total = body.byteLength;
  if (typeof XMLHttpRequest === 'undefined') {
    options.onProgress?.(0, total);
    return fetch(url, { method: 'PUT', headers, body: body as Uint8Array<ArrayBuffer>, ...(options.signal ? { signal: options.signal } : {}) }).then(async (response) => {
      if (!response.ok) throw new ApiError(response.status, { title: `upload refused by storage: ${await response.text()}`, code: 'UPLOAD_REFUSED' });
      options.onProgress?.(total, total);
    });
  }
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() !== 'content-length') xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => options.onProgress?.(event.loaded, total);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) (options.onProgress?.(total, total), resolve());
      else reject(new ApiError(xhr.status, { title: `upload refused by storage: ${xhr.responseText}`, code: 'UPLOAD_REFUSED' }));
    };
    xhr.onerror = () => reject(new TypeError('upload failed: network error'));
    options.signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(new Blob([body as Uint8Array<ArrayBuffer>]));
  });
}

/**
 * Uploads a file the way the API wants it: declare (name, type, size, sha256), PUT the bytes to
 * the presigned URL (they never pass through the API), then complete (the server verifies them).
 *
 * @example const media = await uploadFile(api, file, { fileName: file.name, onProgress: (s, t) => bar.value = s / t });
 */
export async function uploadFile(api: RestClient, file: Blob | Uint8Array, options: UploadOptions): Promise<Media> {
  const bytes = file instanceof Uint8Array ? file : new Uint8Array(await file.arrayBuffer());
  const contentType = options.contentType ?? (file instanceof Blob && file.type ? file.type : 'application/octet-stream');
  const declared = await api.call('media.uploads.create', {
    body: { fileName: options.fileName, contentType, size: bytes.byteLength, sha256: await sha256Base64(bytes) },
  });
  await putWithProgress(declared.upload.url, declared.upload.headers, bytes, options);
  return api.call('media.uploads.complete', { params: { mediaId: declared.id } });
}
