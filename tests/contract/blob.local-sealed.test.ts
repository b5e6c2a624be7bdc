import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobSealing } from '../../functions/crypto/blob-sealing.ts';
import { Envelope } from '../../functions/crypto/envelope.ts';
import { LocalBlob } from '../../infra/blob/local.ts';
import { LocalKms } from '../../infra/kms/local.ts';
import { createLocalStore } from '../../infra/store/local.ts';
import type { StorePort } from '../../infra/store/port.ts';
import { filesContaining } from '../support/byte-scan.ts';
import { blobContract } from './blob.contract.ts';
import { domain } from '../../functions/domain.ts';
import { closePorts, createPorts } from '../../infra/ports.ts';
import { loadConfig } from '../../runtime/config.ts';

/**
 * The local blob adapter with encryption at rest (the domain's blob sealing, as functions/domain.ts
 * wires it): the whole port contract on 16-byte segments (every body spans several), then what the
 * files hold and how damage is reported.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'caas-blob-sealed-'));
const mounts = new Map<string, LocalBlob>();
let server: ServerType;
let origin: string;
let store: StorePort;
let envelope: Envelope;

beforeAll(async () => {
  server = serve({ fetch: (request) => mounts.get(new URL(request.url).pathname.split('/')[1] ?? '')?.handle(request) ?? new Response('no mount', { status: 404 }), hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  store = await createLocalStore({ dataDir: join(dataDir, 'store') });
  envelope = new Envelope({ kms: new LocalKms({ masterKey: 'sealed-blob-master-key-0123456789ab', masterKeySource: 'CAAS_MASTER_KEY', store }), store });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function sealedBlob(name: string, segmentSize?: number): LocalBlob {
  const plain = new LocalBlob({ dir: join(dataDir, name), baseUrl: `${origin}/${name}`, secret: randomBytes(32) });
  const adapter = plain.sealWith(blobSealing(envelope, segmentSize));
  mounts.set(name, adapter);
  return adapter;
}

blobContract(async () => sealedBlob('contract', 16));

/** The one data file of the object (the sidecar aside). */
async function dataFile(name: string, dir: string): Promise<string> {
  const root = join(dataDir, name, 'objects', dir);
  const files = (await readdir(root)).filter((file) => file.endsWith('.data'));
  expect(files).toHaveLength(1);
  return join(root, files[0]!);
}

describe('local blob files encrypted at rest', () => {
  const marker = 'Blob-MARKER-5e1d';
  // ~149 000 bytes: three 64 KiB segments, the marker in each.
  const body = Buffer.concat([Buffer.from(`${marker} head `), randomBytes(70_000), Buffer.from(` ${marker} middle `), randomBytes(79_000), Buffer.from(` ${marker} tail`)]);

  it('the files hold no plaintext; get, ranges across segments and presigned downloads return the exact bytes', async () => {
    const blob = sealedBlob('exact');
    await blob.put('app_1/media/m1', body, { contentType: 'application/octet-stream' });
    expect(await filesContaining(join(dataDir, 'exact'), marker)).toEqual([]);
    expect((await blob.head('app_1/media/m1'))?.size).toBe(body.length);
    expect(Buffer.from((await blob.get('app_1/media/m1'))!)).toEqual(body);
    for (const [start, end] of [[0, 0], [65_530, 65_545], [131_071, 131_072], [100, body.length - 2], [body.length - 10, 200_000]] as const) {
      expect(Buffer.from((await blob.get('app_1/media/m1', { start, end }))!), `${start}-${end}`).toEqual(body.subarray(start, end + 1));
    }
    const url = (await blob.presignGet('app_1/media/m1', { expiresInSec: 60 })).url;
    expect(Buffer.from(await (await fetch(url)).arrayBuffer())).toEqual(body);
    const ranged = await fetch(url, { headers: { range: 'bytes=65000-70000' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 65000-70000/${body.length}`);
    expect(Buffer.from(await ranged.arrayBuffer())).toEqual(body.subarray(65_000, 70_001));
    const suffix = await fetch(url, { headers: { range: 'bytes=-10' } });
    expect(Buffer.from(await suffix.arrayBuffer())).toEqual(body.subarray(-10));
  });

  it('a presigned upload is stored sealed; a copy is sealed anew for its own key', async () => {
    const blob = sealedBlob('upload');
    const upload = await blob.presignPut('app_1/up/u1', { contentType: 'text/plain', contentLength: body.length, expiresInSec: 60 });
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(body) })).status).toBe(200);
    expect(await blob.copy('app_1/up/u1', 'app_1/up/u2')).toBe(true);
    expect(await filesContaining(join(dataDir, 'upload'), marker)).toEqual([]);
    expect(Buffer.from((await blob.get('app_1/up/u2'))!)).toEqual(body);
  });

  it('a damaged file is an error naming the object, never garbage: altered, cut, extended, or moved to another key', async () => {
    const blob = sealedBlob('damage');
    const put = async (key: string) => blob.put(key, body, { contentType: 'application/octet-stream' });
    await put('app_1/d/altered');
    const altered = await dataFile('damage', 'app_1/d');
    const bytes = await readFile(altered);
    bytes[bytes.length - 100]! ^= 1;
    await writeFile(altered, bytes);
    // The first segments still read; the last one fails, by name.
    expect(Buffer.from((await blob.get('app_1/d/altered', { start: 0, end: 99 }))!)).toEqual(body.subarray(0, 100));
    await expect(blob.get('app_1/d/altered')).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    await expect(blob.get('app_1/d/altered')).rejects.toThrow(/cannot decrypt blobs\/app_1\/d\/altered of app app_1, segment 2 \(the last\): the file was altered, reordered or cut/);
    const download = await fetch((await blob.presignGet('app_1/d/altered', { expiresInSec: 60 })).url, { headers: { range: 'bytes=140000-140010' } });
    // The range read authenticates its segment before answering: an error status, not garbage bytes.
    expect(download.status).toBe(500);

    await put('app_1/e/cut');
    const cut = await dataFile('damage', 'app_1/e');
    await truncate(cut, (await readFile(cut)).length - 65_552);
    await expect(blob.get('app_1/e/cut', { start: 0, end: 10 })).rejects.toThrow(/cannot decrypt app_1\/e\/cut: its file holds \d+ bytes where \d+ plaintext bytes take \d+: truncated or extended/);

    await put('app_1/h/extended');
    const extended = await dataFile('damage', 'app_1/h');
    await writeFile(extended, Buffer.concat([await readFile(extended), Buffer.alloc(16)]));
    await expect(blob.get('app_1/h/extended', { start: 0, end: 10 })).rejects.toThrow(/truncated or extended/);

    // Another object's file under this key: bound to its own key, it does not open here.
    await put('app_1/f/one');
    await put('app_1/g/two');
    await writeFile(await dataFile('damage', 'app_1/g'), await readFile(await dataFile('damage', 'app_1/f')));
    await expect(blob.get('app_1/g/two', { start: 0, end: 10 })).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
  });

  it('the platform seals the local files through a namespace (CAAS_NAMESPACE), as functions/domain.ts wires it', async () => {
    const config = loadConfig({ CAAS_DATA_DIR: join(dataDir, 'ns'), CAAS_NAMESPACE: 'staging', CAAS_MASTER_KEY: 'namespaced-master-key-0123456789abc' });
    const ports = domain.sealPorts!(await createPorts(config));
    try {
      await ports.blob.put('app_1/media/n1', body, { contentType: 'application/octet-stream' });
      expect(await filesContaining(join(dataDir, 'ns', 'blobs'), marker)).toEqual([]);
      expect(Buffer.from((await ports.blob.get('app_1/media/n1', { start: 70_000, end: 70_100 }))!)).toEqual(body.subarray(70_000, 70_101));
      expect(await ports.blob.copy('app_1/media/n1', 'app_1/media/n2')).toBe(true);
      expect(Buffer.from((await ports.blob.get('app_1/media/n2'))!)).toEqual(body);
    } finally {
      await closePorts(ports);
    }
  });

  it('files written before encryption was on stay readable; new writes are sealed', async () => {
    const plain = new LocalBlob({ dir: join(dataDir, 'legacy'), baseUrl: `${origin}/legacy`, secret: randomBytes(32) });
    await plain.put('app_1/old', Buffer.from(`${marker} old`), { contentType: 'text/plain' });
    const sealed = plain.sealWith(blobSealing(envelope));
    expect(Buffer.from((await sealed.get('app_1/old'))!).toString()).toBe(`${marker} old`);
    await sealed.put('app_1/new', Buffer.from(`${marker} new`), { contentType: 'text/plain' });
    expect(await filesContaining(join(dataDir, 'legacy'), `${marker} new`)).toEqual([]);
    // And a process without the key says so instead of serving ciphertext.
    await expect(plain.get('app_1/new')).rejects.toThrow(/app_1\/new is encrypted at rest, and this process was given no key to read it/);
  });
});
