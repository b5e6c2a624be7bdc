import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalKms } from '../../infra/kms/local.ts';
import { createLocalStore } from '../../infra/store/local.ts';
import type { Doc, StorePort } from '../../infra/store/port.ts';
import { isCiphertext } from './ciphertext.ts';
import { Envelope } from './envelope.ts';
import { sealedStore, unsealed } from './sealed-store.ts';

/**
 * The sealed store's read and write discipline: reads decrypt only the fields a caller reads (on
 * first access), tampering still fails by name, and writes encrypt only what they write.
 */
let dir: string;
let raw: StorePort;
let envelope: Envelope;
let store: StorePort;
let count = 0;
const appId = 'app_lazy';
const newId = () => `msg_${++count}`;

interface Message extends Doc {
  appId: string;
  authorId: string;
  text: string | null;
  custom: Record<string, unknown>;
  edits: Array<{ text: string; at: number }>;
}

interface EventRow extends Doc {
  appId: string;
  type: string;
  payload: { message: Partial<Message> & { _id: string } };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'caas-sealed-store-'));
  raw = await createLocalStore({ dataDir: dir });
  envelope = new Envelope({ kms: new LocalKms({ masterKey: 'sealed-store-master-key-0123456789ab', masterKeySource: 'CAAS_MASTER_KEY', store: raw }), store: raw });
  store = sealedStore(raw, envelope);
});
afterAll(async () => {
  await raw.close();
  await rm(dir, { recursive: true, force: true });
});

async function written(text = 'hello MARKER', custom: Record<string, unknown> = { mood: 'fine' }): Promise<string> {
  const _id = newId();
  await store.collection<Message>('messages').insertOne({ _id, appId, authorId: 'u1', text, custom, edits: [{ text: 'first', at: 1 }] });
  return _id;
}

describe('sealed store', () => {
  it("reports the store's capabilities as the adapter learns them on connecting (FerretDB: no atomic updates)", () => {
    let detected: StorePort['capabilities'] = { transactions: true };
    const adapter = Object.create(raw, { capabilities: { get: () => detected } }) as StorePort;
    const wrapped = sealedStore(adapter, envelope);
    detected = { transactions: false, atomicUpdates: false };
    expect(wrapped.capabilities.atomicUpdates).toBe(false);
  });

  it('decrypts a field on first access only, once; fields never read cost nothing', async () => {
    const id = await written();
    const decrypt = vi.spyOn(envelope, 'decryptWithKey');
    try {
      const doc = (await store.collection<Message>('messages').findOne({ _id: id }))!;
      expect(doc.authorId).toBe('u1');
      expect(decrypt).not.toHaveBeenCalled();
      expect(doc.text).toBe('hello MARKER');
      expect(doc.text).toBe('hello MARKER');
      expect(decrypt).toHaveBeenCalledTimes(1);
      // Serializing reads everything; assigning replaces the value.
      expect(JSON.parse(JSON.stringify(doc))).toMatchObject({ text: 'hello MARKER', custom: { mood: 'fine' }, edits: [{ text: 'first' }] });
      expect(decrypt).toHaveBeenCalledTimes(3);
      doc.text = 'changed locally';
      expect({ ...doc }.text).toBe('changed locally');
    } finally {
      decrypt.mockRestore();
    }
  });

  it('a projection reads (and decrypts) only the projected fields', async () => {
    const id = await written();
    const decrypt = vi.spyOn(envelope, 'decryptWithKey');
    try {
      const [doc] = await store.collection<Message>('messages').find({ _id: id }, { projection: { custom: 1 } });
      expect(doc).toEqual({ _id: id, appId, custom: { mood: 'fine' } });
      expect(decrypt).toHaveBeenCalledTimes(1);
    } finally {
      decrypt.mockRestore();
    }
  });

  it('a tampered or moved ciphertext is DECRYPTION_FAILED naming the document when read, never garbage', async () => {
    const id = await written();
    const other = await written('another text');
    const rows = unsealed(store).collection<Message>('messages');
    const stored = (await rows.findOne({ _id: id }))!;
    const text = stored.text!;
    const flipped = `${text.slice(0, -3)}${text.at(-3) === 'A' ? 'B' : 'A'}${text.slice(-2)}`;
    await rows.updateOne({ _id: id }, { $set: { text: flipped } });
    const doc = (await store.collection<Message>('messages').findOne({ _id: id }))!;
    expect(doc.custom).toEqual({ mood: 'fine' });
    expect(() => doc.text).toThrow(expect.objectContaining({ code: 'DECRYPTION_FAILED' }));
    expect(() => doc.text).toThrow(`cannot decrypt messages/${id} field text of app ${appId}: the ciphertext or the document it is bound to was altered`);
    await rows.updateOne({ _id: other }, { $set: { text } });
    const moved = (await store.collection<Message>('messages').findOne({ _id: other }))!;
    expect(() => JSON.stringify(moved)).toThrow(/cannot decrypt messages\/msg_\d+ field text/);
    // A ciphertext naming a data key the app never had fails at once.
    await rows.updateOne({ _id: other }, { $set: { text: text.replace(/^e1\.[^.]+\./, 'e1.nosuchkey.') } });
    await expect(store.collection<Message>('messages').findOne({ _id: other })).rejects.toThrow(/never had/);
  });

  it('an update encrypts only the fields it writes; one that writes none needs no key', async () => {
    const id = await written();
    const encrypt = vi.spyOn(envelope, 'encryptWithKey');
    const current = vi.spyOn(envelope, 'currentDataKey');
    try {
      await store.collection<Message>('messages').updateOne({ _id: id }, { $set: { text: 'edited', pinned: true } });
      expect(encrypt).toHaveBeenCalledTimes(1);
      await store.collection<Message>('messages').updateOne({ _id: id }, { $set: { pinned: false }, $inc: { reactions: 1 } });
      await store.collection<Message>('messages').updateOne({ _id: id }, { $set: { text: null, custom: {} } });
      expect(encrypt).toHaveBeenCalledTimes(1);
      expect(current).toHaveBeenCalledTimes(1);
    } finally {
      encrypt.mockRestore();
      current.mockRestore();
    }
    const row = await unsealed(store).collection<Message>('messages').findOne({ _id: id });
    expect(row).toMatchObject({ text: null, custom: {}, pinned: false });
    expect(isCiphertext(row?.edits[0]?.text)).toBe(true);
  });

  it("an event's copy of a message is bound to the message row: sealed once, the same ciphertext; older own-bound copies still open", async () => {
    const id = newId();
    const message = { _id: id, appId, authorId: 'u1', text: 'shared text', custom: { k: 'v' }, edits: [] };
    const encrypt = vi.spyOn(envelope, 'encryptWithKey');
    try {
      await store.collection<EventRow>('events').insertOne({ _id: `evt_${id}`, appId, type: 'message.new', payload: { message } });
      await store.collection<Message>('messages').insertOne(message);
      expect(encrypt).toHaveBeenCalledTimes(2);
    } finally {
      encrypt.mockRestore();
    }
    const rawEvent = (await unsealed(store).collection<EventRow>('events').findOne({ _id: `evt_${id}` }))!;
    const rawRow = (await unsealed(store).collection<Message>('messages').findOne({ _id: id }))!;
    expect(rawEvent.payload.message.text).toBe(rawRow.text);
    expect(rawEvent.payload.message.custom).toBe(rawRow.custom);
    expect(((await store.collection<EventRow>('events').findOne({ _id: `evt_${id}` }))!).payload.message).toMatchObject({ text: 'shared text', custom: { k: 'v' } });

    // A copy sealed under the event's own place (before bindings) opens too; a copy of another message does not.
    const ref = { appId, collection: 'events', docId: `evt_old_${id}`, field: 'payload.message.text' };
    const old = await envelope.encrypt(ref, 'older text', { userId: 'u1' });
    await unsealed(store).collection<EventRow>('events').insertOne({ _id: `evt_old_${id}`, appId, type: 'message.new', payload: { message: { _id: id, authorId: 'u1', text: old } } });
    expect(((await store.collection<EventRow>('events').findOne({ _id: `evt_old_${id}` }))!).payload.message.text).toBe('older text');
    await unsealed(store).collection<EventRow>('events').insertOne({ _id: `evt_moved_${id}`, appId, type: 'message.new', payload: { message: { _id: 'msg_other', authorId: 'u1', text: rawRow.text } } });
    const moved = (await store.collection<EventRow>('events').findOne({ _id: `evt_moved_${id}` }))!;
    expect(() => moved.payload.message.text).toThrow(/cannot decrypt messages\/msg_other field text/);
  });

  it("a shredded owner's fields read as the erased shape at once", async () => {
    const _id = newId();
    await store.collection<Message>('messages').insertOne({ _id, appId, authorId: 'gone', text: 'bye', custom: { a: 1 }, edits: [] });
    await envelope.shredUser(appId, 'gone');
    expect(await store.collection<Message>('messages').findOne({ _id })).toMatchObject({ text: null, custom: {}, erased: true });
  });
});
