import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlob } from '../../infra/blob/index.ts';
import { LocalBlob } from '../../infra/blob/local.ts';
import { loadConfig } from '../../runtime/config.ts';
import { blobContract } from './blob.contract.ts';

/**
 * The local blob adapter serves its own presigned URLs. A small HTTP server on an ephemeral port
 * stands in for the runtime: `/<mount>/blob/*` goes to the adapter registered under that mount,
 * whose base URL is `<origin>/<mount>` (which also exercises base URLs with a path).
 */
const dataDir = mkdtempSync(join(tmpdir(), 'caas-blob-'));
const mounts = new Map<string, LocalBlob>();
let server: ServerType;
let origin: string;

beforeAll(async () => {
  server = serve({ fetch: (request) => route(request), hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

function route(request: Request): Promise<Response> | Response {
  const mount = new URL(request.url).pathname.split('/')[1] ?? '';
  const adapter = mounts.get(mount);
  return adapter ? adapter.handle(request) : new Response('no such mount', { status: 404 });
}

function mount(name: string, adapter: LocalBlob): LocalBlob {
  mounts.set(name, adapter);
  return adapter;
}

blobContract(async () => mount('contract', new LocalBlob({ dir: join(dataDir, 'contract'), baseUrl: `${origin}/contract`, secret: randomBytes(32) })));

describe('local blob runtime', () => {
  it('reads time from the clock it is given: URL expiry and object dates follow it, not the wall clock', async () => {
    let now = Date.UTC(2030, 0, 1);
    const clock = { now: () => now };
    const blob = mount('clocked', new LocalBlob({ dir: join(dataDir, 'clocked'), baseUrl: `${origin}/clocked`, secret: randomBytes(32), clock }));
    await blob.put('a1/c', new TextEncoder().encode('timed'), { contentType: 'text/plain' });
    expect((await blob.head('a1/c'))?.lastModified).toBe(now);
    const download = await blob.presignGet('a1/c', { expiresInSec: 60 });
    expect(download.expiresAt).toBe(now + 60_000);
    expect((await fetch(download.url)).status).toBe(200);
    now += 61_000;
    expect((await fetch(download.url)).status).toBe(403);
  });

  it('keeps presigned URLs valid across a restart on the same data dir', async () => {
    const config = loadConfig({ CAAS_DATA_DIR: join(dataDir, 'restart'), CAAS_PUBLIC_URL: `${origin}/restart` });
    const before = mount('restart', (await createBlob(config)) as LocalBlob);
    await before.put('a1/media/m1', new TextEncoder().encode('survives'), { contentType: 'text/plain' });
    const download = await before.presignGet('a1/media/m1', { expiresInSec: 60 });
    await before.close();

    const after = await createBlob(config);
    expect(after).toBeInstanceOf(LocalBlob);
    mount('restart', after as LocalBlob);
    const response = await fetch(download.url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('survives');
  });

  it('derives the signing key from CAAS_MASTER_KEY, so URLs from another process sharing it are honoured', async () => {
    const masterKey = randomBytes(32).toString('base64');
    const shared = { CAAS_DATA_DIR: join(dataDir, 'master'), CAAS_PUBLIC_URL: `${origin}/master`, CAAS_MASTER_KEY: masterKey };
    const signer = await createBlob(loadConfig(shared));
    const server = mount('master', (await createBlob(loadConfig(shared))) as LocalBlob);
    await server.put('a1/doc', new TextEncoder().encode('shared'), { contentType: 'text/plain' });
    expect((await fetch((await signer.presignGet('a1/doc', { expiresInSec: 60 })).url)).status).toBe(200);

    const stranger = await createBlob(loadConfig({ ...shared, CAAS_MASTER_KEY: randomBytes(32).toString('base64') }));
    expect((await fetch((await stranger.presignGet('a1/doc', { expiresInSec: 60 })).url)).status).toBe(403);
  });

  it('serves downloads so that uploaded HTML or SVG cannot run script on the API origin', async () => {
    const adapter = mount('headers', new LocalBlob({ dir: join(dataDir, 'headers'), baseUrl: `${origin}/headers`, secret: randomBytes(32) }));
    await adapter.put('a1/page.html', new TextEncoder().encode('<script>alert(1)</script>'), { contentType: 'text/html' });
    const response = await fetch((await adapter.presignGet('a1/page.html', { expiresInSec: 60 })).url);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain('sandbox');
    await response.arrayBuffer();
  });

  it('answers refusals as S3 does, with an XML error document', async () => {
    const adapter = mount('errors', new LocalBlob({ dir: join(dataDir, 'errors'), baseUrl: `${origin}/errors`, secret: randomBytes(32) }));
    const upload = await adapter.presignPut('a1/x', { contentType: 'text/plain', contentLength: 3, expiresInSec: 60 });
    const response = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: 'abcd' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/xml');
    expect(await response.text()).toMatch(/<Code>\w+<\/Code>/);
  });

  it('is replaced by the S3 adapter when S3_ENDPOINT is set; an unreachable server fails calls, not startup', async () => {
    const endpoint = { CAAS_DATA_DIR: dataDir, S3_ENDPOINT: 'http://127.0.0.1:1' };
    // Keys are required up front: without them the SDK would go looking in cloud metadata.
    await expect(createBlob(loadConfig(endpoint))).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    const blob = await createBlob(loadConfig({ ...endpoint, S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret' }));
    expect(blob.name).toBe('s3');
    await expect(blob.ping()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await blob.close();
  });
});
