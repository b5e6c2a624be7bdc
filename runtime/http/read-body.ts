import type { Context } from 'hono';
import { AppError } from '../errors.ts';

const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

/**
 * Reads a JSON request body as text, refusing more than `maxBytes` without buffering it all
 * (an absent Content-Length is caught while streaming) and refusing non-JSON media types.
 *
 * A body with a Content-Length within the limit is read whole (`arrayBuffer()`: on
 * @hono/node-server straight from the socket, without web streams); HTTP framing ends the body at
 * that length, so it cannot grow past the limit. Only bodies without one are streamed and counted.
 */
export async function readBodyText(c: Context, maxBytes: number): Promise<string> {
  const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', `Request body exceeds ${maxBytes} bytes`);
  const declared = Number(c.req.header('content-length') ?? NaN);
  if (declared > maxBytes) throw tooLarge();
  if (Number.isSafeInteger(declared)) {
    if (declared === 0) return '';
    requireJson(c);
    return new TextDecoder('utf-8', { fatal: false }).decode(await c.req.raw.arrayBuffer());
  }
  const stream = c.req.raw.body;
  if (!stream) return '';

  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  if (size === 0) return '';
  requireJson(c);
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
}

function requireJson(c: Context): void {
  if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Request body must be application/json');
  }
}
