import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import type { ApiCall } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

/**
 * Presigned links name an address the client reaches. On S3 (test:infra) the platform talks to
 * S3_ENDPOINT and signs for S3_PUBLIC_ENDPOINT — here the same server under another host name,
 * `localhost` for `127.0.0.1`, as docker compose signs for `localhost:9000` instead of `minio:9000`.
 * In local mode links name CAAS_PUBLIC_URL and S3_PUBLIC_ENDPOINT plays no part.
 */
const internal = process.env.CAAS_E2E_ENGINES === '1' ? process.env.S3_ENDPOINT : undefined;
const publicEndpoint = internal?.replace('127.0.0.1', 'localhost');

let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;

const local = useLocalPlatform(publicEndpoint ? { S3_PUBLIC_ENDPOINT: publicEndpoint } : {});
beforeAll(async () => {
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben']);
});

describe('presigned links', () => {
  it('name the public address, and work there: upload, complete, download by another member', async () => {
    const expected = new URL(publicEndpoint ?? platform.url).origin;
    const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n', 'latin1'), randomBytes(128)]);
    const sha256 = createHash('sha256').update(bytes).digest('base64');
    const declared = await call('POST', '/v1/media/uploads', { token: world.tokens.ann!, body: { fileName: 'a.pdf', contentType: 'application/pdf', size: bytes.byteLength, sha256 } });
    expect(declared.status).toBe(201);
    expect(new URL(declared.body.upload.url).origin).toBe(expected);
    const { method, url, headers } = declared.body.upload;
    expect((await fetch(url, { method, headers, body: new Uint8Array(bytes) })).status).toBe(200);
    expect((await call('POST', `/v1/media/${declared.body.id}/complete`, { token: world.tokens.ann! })).status).toBe(200);

    const id = await createGroup(call, world.tokens.ann!, ['ben']);
    expect((await send(call, world.tokens.ann!, id, { text: 'file', attachments: [declared.body.id] })).status).toBe(201);
    const media = await call('GET', `/v1/media/${declared.body.id}`, { token: world.tokens.ben! });
    expect(new URL(media.body.download.url).origin).toBe(expected);
    const downloaded = await fetch(media.body.download.url);
    expect(downloaded.status).toBe(200);
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(bytes)).toBe(true);
  });
});
