import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKms } from '../../infra/kms/local.ts';
import { createLocalStore } from '../../infra/store/local.ts';
import type { StorePort } from '../../infra/store/port.ts';
import { DATA_KEYS, Envelope, isCiphertext, type FieldRef } from './index.ts';
import { KeyCache } from './key-cache.ts';
import { startWorkerThread } from '../../runtime/worker-thread.ts';

let dir: string;
let store: StorePort;
let kms: LocalKms;
let appCount = 0;
const MASTER_KEY = 'envelope-test-master-key-0123456789';
const newApp = () => `app_env${++appCount}`;
const ref = (appId: string, docId = 'm1', field = 'text'): FieldRef => ({ appId, collection: 'messages', docId, field });
/** A second envelope on the same store and key: another process, with a cold cache. */
const otherProcess = () => new Envelope({ kms, store });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'caas-envelope-'));
  store = await createLocalStore({ dataDir: dir });
  kms = new LocalKms({ masterKey: MASTER_KEY, masterKeySource: 'CAAS_MASTER_KEY', store });
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('envelope encryption', () => {
  it('round-trips text and bytes; ciphertexts hold no plaintext and differ each time', async () => {
    const envelope = new Envelope({ kms, store });
    const app = newApp();
    for (const text of ['hello MARKER-7f3a', '', 'ünïcødé 👋 '.repeat(50)]) {
      const sealed = await envelope.encrypt(ref(app), text, { userId: 'u1' });
      expect(isCiphertext(sealed)).toBe(true);
      expect(await envelope.decrypt(ref(app), sealed)).toBe(text);
      expect(await otherProcess().decrypt(ref(app), sealed)).toBe(text);
    }
    const a = await envelope.encrypt(ref(app), 'hello MARKER-7f3a');
    expect(a).not.toContain('MARKER');
    expect(await envelope.encrypt(ref(app), 'hello MARKER-7f3a')).not.toBe(a);
    const file = new TextEncoder().encode('file body MARKER-7f3a');
    const sealedFile = await envelope.encryptBytes(ref(app, 'media1', 'blob'), file);
    expect(Buffer.from(sealedFile).includes(Buffer.from('MARKER'))).toBe(false);
    expect(Buffer.from(await otherProcess().decryptBytes(ref(app, 'media1', 'blob'), sealedFile))).toEqual(Buffer.from(file));
  });

  it('refuses altered ciphertext, another document, field or app with DECRYPTION_FAILED naming the document', async () => {
    const envelope = new Envelope({ kms, store });
    const app = newApp();
    const sealed = await envelope.encrypt(ref(app), 'secret');
    const flipped = `${sealed.slice(0, -2)}${sealed.at(-2) === 'A' ? 'B' : 'A'}${sealed.at(-1)}`;
    const named = (docId: string, field = 'text', appId = app) => ({ code: 'DECRYPTION_FAILED', message: expect.stringContaining(`messages/${docId} field ${field} of app ${appId}`) });
    await expect(envelope.decrypt(ref(app), flipped)).rejects.toMatchObject(named('m1'));
    await expect(envelope.decrypt(ref(app, 'm2'), sealed)).rejects.toMatchObject(named('m2'));
    await expect(envelope.decrypt(ref(app, 'm1', 'custom'), sealed)).rejects.toMatchObject(named('m1', 'custom'));
    const other = newApp();
    await envelope.encrypt(ref(other), 'x');
    await expect(envelope.decrypt(ref(other), sealed)).rejects.toMatchObject(named('m1', 'text', other));
    await expect(envelope.decrypt(ref(app), 'plain text')).rejects.toMatchObject(named('m1'));
    await expect(envelope.decrypt(ref(app), 'e1.nosuchkey123.AAAA')).rejects.toMatchObject(named('m1'));
    await expect(envelope.decryptBytes(ref(app), new Uint8Array([1, 2, 3]))).rejects.toMatchObject(named('m1'));
  });

  it('shares one data key among concurrent first writes per app and owner', async () => {
    const envelope = new Envelope({ kms, store });
    const app = newApp();
    await Promise.all(Array.from({ length: 20 }, (_, i) => envelope.encrypt(ref(app, `m${i}`), 'x', { userId: 'u1' })));
    await Promise.all(Array.from({ length: 5 }, (_, i) => envelope.encrypt(ref(app, `a${i}`), 'x')));
    expect((await envelope.progress(app)).total).toBe(2);
  });

  it('rotates: new writes use a key under the new version at once, old ciphertexts still decrypt', async () => {
    const envelope = new Envelope({ kms, store });
    const app = newApp();
    const before = await envelope.encrypt(ref(app, 'm1'), 'before rotation', { userId: 'u1' });
    const info = await envelope.rotate(app);
    expect(info.versions.map((v) => v.version)).toEqual([1, 2]);
    const after = await envelope.encrypt(ref(app, 'm2'), 'after rotation', { userId: 'u1' });
    expect(after.split('.')[1]).not.toBe(before.split('.')[1]);
    expect(await envelope.progress(app)).toMatchObject({ currentVersion: 2, total: 2, onCurrentVersion: 1, done: false });
    expect(await otherProcess().decrypt(ref(app, 'm1'), before)).toBe('before rotation');
    expect(await otherProcess().decrypt(ref(app, 'm2'), after)).toBe('after rotation');
  });

  it('re-wraps older data keys under the new KEK version with visible progress; everything stays readable', async () => {
    const envelope = new Envelope({ kms, store });
    const app = newApp();
    const sealed = await Promise.all(['u1', 'u2', 'u3'].map((userId) => envelope.encrypt(ref(app, userId), `from ${userId}`, { userId })));
    await envelope.rotate(app);
    const reported: number[] = [];
    const done = await envelope.rewrap(app, { batchSize: 1, onProgress: (progress) => reported.push(progress.onCurrentVersion) });
    expect(done).toMatchObject({ currentVersion: 2, total: 3, onCurrentVersion: 3, done: true });
    expect(reported).toEqual([1, 2, 3]);
    const raw = await store.collection(DATA_KEYS).find({ appId: app });
    expect(raw.map((doc) => doc.kekVersion)).toEqual([2, 2, 2]);
    for (const [i, userId] of ['u1', 'u2', 'u3'].entries()) expect(await otherProcess().decrypt(ref(app, userId), sealed[i]!)).toBe(`from ${userId}`);
  });

  it("shreds a user's data keys: their content fails with KEY_DESTROYED everywhere, others' stays readable", async () => {
    const envelope = new Envelope({ kms, store });
    const app = newApp();
    const ann = await envelope.encrypt(ref(app, 'm1'), 'ann wrote this', { userId: 'ann' });
    const ben = await envelope.encrypt(ref(app, 'm2'), 'ben wrote this', { userId: 'ben' });
    const shared = await envelope.encrypt(ref(app, 'c1', 'title'), 'app-wide');
    await envelope.rotate(app);
    const annLater = await envelope.encrypt(ref(app, 'm3'), 'ann again', { userId: 'ann' });
    expect(await envelope.shredUser(app, 'ann')).toBe(2);
    for (const reader of [envelope, otherProcess()]) {
      for (const [docId, sealed] of [['m1', ann], ['m3', annLater]] as const) {
        await expect(reader.decrypt(ref(app, docId), sealed)).rejects.toMatchObject({
          code: 'KEY_DESTROYED',
          message: expect.stringContaining(`messages/${docId} field text of app ${app} is unreadable: the data key of user ann was destroyed`),
        });
      }
      expect(await reader.decrypt(ref(app, 'm2'), ben)).toBe('ben wrote this');
      expect(await reader.decrypt(ref(app, 'c1', 'title'), shared)).toBe('app-wide');
    }
    const raw = await store.collection(DATA_KEYS).find({ appId: app, owner: 'user:ann' });
    expect(raw.every((doc) => doc.shredded === true && doc.wrapped === undefined)).toBe(true);
    // Shredding again finds nothing; a later write for the same user gets a fresh key.
    expect(await envelope.shredUser(app, 'ann')).toBe(0);
    const fresh = await envelope.encrypt(ref(app, 'm4'), 'new content', { userId: 'ann' });
    expect(await otherProcess().decrypt(ref(app, 'm4'), fresh)).toBe('new content');
  });

  it('forgets an unwrapped key after keyTtlMs, so a shred by another process takes effect in bounded time', async () => {
    let now = 1_000_000;
    const reader = new Envelope({ kms, store, keyTtlMs: 10_000, now: () => now });
    const app = newApp();
    const sealed = await otherProcess().encrypt(ref(app), 'cached', { userId: 'cat' });
    expect(await reader.decrypt(ref(app), sealed)).toBe('cached');
    // What another process's shred leaves in the store; no notice of it reaches this process.
    await store.collection(DATA_KEYS).updateMany({ appId: app, owner: 'user:cat' }, { $set: { shredded: true }, $unset: { wrapped: '' } });
    now += 9_999;
    expect(await reader.decrypt(ref(app), sealed)).toBe('cached');
    now += 1;
    await expect(reader.decrypt(ref(app), sealed)).rejects.toMatchObject({ code: 'KEY_DESTROYED' });
  });
});

describe('shredding within one process', () => {
  it('every envelope of this thread forgets a shredded key at once, whatever its cache', async () => {
    const reader = new Envelope({ kms, store, keyTtlMs: 3_600_000 });
    const app = newApp();
    const sealed = await otherProcess().encrypt(ref(app), 'cached', { userId: 'dan' });
    expect(await reader.decrypt(ref(app), sealed)).toBe('cached');
    await otherProcess().shredUser(app, 'dan');
    await expect(reader.decrypt(ref(app), sealed)).rejects.toMatchObject({ code: 'KEY_DESTROYED' });
  });

  it('an envelope in another thread of the process forgets it too (npm start runs the bus consumers in one)', async () => {
    const app = newApp();
    const sealed = await otherProcess().encrypt(ref(app), 'cached over there', { userId: 'eve' });
    const thread = startWorkerThread(new URL('../../tests/support/envelope-thread.ts', import.meta.url), { dataDir: dir, masterKey: MASTER_KEY, app, sealed });
    const answers: string[] = [];
    thread.on('message', (answer: string) => answers.push(answer));
    try {
      await expect.poll(() => answers[0], { timeout: 10_000 }).toBe('cached over there');
      await otherProcess().shredUser(app, 'eve');
      thread.postMessage('decrypt');
      await expect.poll(() => answers[1], { timeout: 5_000 }).toBe('KEY_DESTROYED');
    } finally {
      await thread.terminate();
    }
  });
});

describe('key cache', () => {
  it('holds at most maxEntries, dropping the least recently used', () => {
    const cache = new KeyCache<number>({ ttlMs: 1_000, maxEntries: 2, now: () => 0 });
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c')]).toEqual([1, 3]);
  });
});
