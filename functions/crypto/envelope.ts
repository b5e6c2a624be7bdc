import type { KekInfo, KmsPort } from '../../infra/kms/port.ts';
import type { StorePort } from '../../infra/store/port.ts';
import { AppError } from '../../runtime/errors.ts';
import { describeRef, fromBytes, fromText, open, seal, toBytes, toText, type FieldRef, type Sealed } from './ciphertext.ts';
import { DataKeys, ownerOf, type DataKeyDoc } from './data-keys.ts';
import { KeyCache } from './key-cache.ts';
import { announceShredded, onKeysShredded, type ShreddedKeys } from './shredded-keys.ts';

export interface EnvelopeOptions {
  kms: KmsPort;
  store: StorePort;
  /** How long an unwrapped data key stays in memory [300 000]. */
  keyTtlMs?: number;
  /** At most this many unwrapped data keys in memory [10 000]. */
  maxCachedKeys?: number;
  /** How long the current data key per app and owner is reused before the KEK version is checked again [60 000]: the lag before another process writes under a rotated version. */
  currentKeyTtlMs?: number;
  now?: () => number;
}

export interface RewrapProgress {
  appId: string;
  currentVersion: number;
  /** Live data keys, and those already wrapped by the current version. */
  total: number;
  onCurrentVersion: number;
  shredded: number;
  done: boolean;
}

/** Who a value belongs to: omit for app-wide keys; a user id for content that shredding must reach. */
export interface Owner {
  userId?: string;
}

/**
 * Envelope encryption at rest: AES-256-GCM under data keys that the app's KEK (kms port) wraps.
 * Text for store fields, bytes for blob files; both name their data key, so decryption needs only
 * the ciphertext and the same FieldRef it was written with.
 *
 * @example
 *   const envelope = new Envelope({ kms: ports.kms, store: ports.store });
 *   const ref = { appId, collection: 'messages', docId: message._id, field: 'text' };
 *   const stored = await envelope.encrypt(ref, 'hello', { userId: authorId }); // 'e1.<key>.<…>'
 *   await envelope.decrypt(ref, stored); // 'hello'
 */
export class Envelope {
  private readonly dataKeys: DataKeys;
  private readonly keys: KeyCache<Uint8Array>;
  private readonly currentKeys: KeyCache<Promise<string>>;
  private readonly kms: KmsPort;
  /** Held here: shredded-keys.ts holds it weakly. */
  private readonly forgetShredded = ({ appId, owner, dataKeyIds }: ShreddedKeys) => {
    for (const id of dataKeyIds) this.keys.delete(`${appId}/${id}`);
    this.currentKeys.delete(`${appId}|${owner}`);
  };

  constructor(options: EnvelopeOptions) {
    const now = options.now ?? Date.now;
    this.dataKeys = new DataKeys(options.kms, options.store, now);
    this.keys = new KeyCache({ ttlMs: options.keyTtlMs ?? 300_000, maxEntries: options.maxCachedKeys ?? 10_000, now });
    this.currentKeys = new KeyCache({ ttlMs: options.currentKeyTtlMs ?? 60_000, maxEntries: options.maxCachedKeys ?? 10_000, now });
    this.kms = options.kms;
    onKeysShredded(this.forgetShredded);
  }

  async encrypt(ref: FieldRef, plaintext: string, owner: Owner = {}): Promise<string> {
    return toText(await this.sealWith(ref, Buffer.from(plaintext, 'utf8'), owner));
  }

  async decrypt(ref: FieldRef, ciphertext: string): Promise<string> {
    return (await this.openWith(ref, fromText(ciphertext))).toString('utf8');
  }

  async encryptBytes(ref: FieldRef, plaintext: Uint8Array, owner: Owner = {}): Promise<Uint8Array> {
    return toBytes(await this.sealWith(ref, plaintext, owner));
  }

  async decryptBytes(ref: FieldRef, ciphertext: Uint8Array): Promise<Uint8Array> {
    return this.openWith(ref, fromBytes(ciphertext));
  }

  /**
   * The owner's current data key itself, for formats that seal many pieces under one key and their
   * own AAD (blob segments, blob-sealing.ts); the same key `encrypt` would use.
   */
  async currentDataKey(appId: string, owner: Owner = {}): Promise<{ dataKeyId: string; key: Uint8Array }> {
    const dataKeyId = await this.currentKeyId(appId, ownerOf(owner.userId));
    return { dataKeyId, key: await this.keyFor({ appId, collection: '', docId: '', field: '' }, dataKeyId) };
  }

  /** `encrypt` with the key at hand (from `currentDataKey`): synchronous, for many fields of one document. */
  encryptWithKey(ref: FieldRef, plaintext: string, dataKey: { dataKeyId: string; key: Uint8Array }): string {
    return toText({ dataKeyId: dataKey.dataKeyId, payload: seal(dataKey.key, ref, dataKey.dataKeyId, Buffer.from(plaintext, 'utf8')) });
  }

  /** `decrypt` with the key the ciphertext names at hand (from `dataKey`): synchronous; DECRYPTION_FAILED names `ref`. */
  decryptWithKey(ref: FieldRef, ciphertext: string, key: Uint8Array): string {
    const sealed = fromText(ciphertext);
    if (!sealed) throw unreadable(ref, 'it is not a ciphertext this platform wrote');
    const plaintext = open(key, ref, sealed);
    if (!plaintext) throw unreadable(ref, 'the ciphertext or the document it is bound to was altered');
    return plaintext.toString('utf8');
  }

  /** A data key by id; errors name `ref` (DECRYPTION_FAILED for an unknown key, KEY_DESTROYED once shredded). */
  dataKey(ref: FieldRef, dataKeyId: string): Promise<Uint8Array> {
    return this.keyFor(ref, dataKeyId);
  }

  /** A new KEK version at once: this process's next write uses it; others within `currentKeyTtlMs`. */
  async rotate(appId: string): Promise<KekInfo> {
    const info = await this.kms.rotateKey(appId);
    this.currentKeys.deletePrefix(`${appId}|`);
    return info;
  }

  /** Re-wraps data keys still wrapped by older KEK versions, in batches, reporting after each. */
  async rewrap(appId: string, options: { batchSize?: number; onProgress?: (progress: RewrapProgress) => void } = {}): Promise<RewrapProgress> {
    const info = await this.kms.ensureKey(appId);
    while ((await this.dataKeys.rewrapBatch(appId, info.currentVersion, options.batchSize ?? 100)) > 0) {
      options.onProgress?.(await this.progress(appId, info.currentVersion));
    }
    return this.progress(appId, info.currentVersion);
  }

  async progress(appId: string, currentVersion?: number): Promise<RewrapProgress> {
    const version = currentVersion ?? (await this.kms.ensureKey(appId)).currentVersion;
    const counts = await this.dataKeys.counts(appId, version);
    return { appId, currentVersion: version, ...counts, done: counts.total === counts.onCurrentVersion };
  }

  /**
   * Crypto-shredding: destroys the user's data keys, so everything encrypted for them fails with
   * KEY_DESTROYED. Forgotten at once in this process (every thread: shredded-keys.ts); other
   * processes drop cached copies within `keyTtlMs`. Later writes for the same user get a new key.
   * Returns how many keys were destroyed.
   */
  async shredUser(appId: string, userId: string): Promise<number> {
    const destroyed = await this.dataKeys.shred(appId, ownerOf(userId));
    announceShredded({ appId, owner: ownerOf(userId), dataKeyIds: destroyed });
    return destroyed.length;
  }

  private async sealWith(ref: FieldRef, plaintext: Uint8Array, owner: Owner): Promise<Sealed> {
    const dataKeyId = await this.currentKeyId(ref.appId, ownerOf(owner.userId));
    const key = await this.keyFor(ref, dataKeyId);
    return { dataKeyId, payload: seal(key, ref, dataKeyId, plaintext) };
  }

  private async openWith(ref: FieldRef, sealed: Sealed | null): Promise<Buffer> {
    if (!sealed) throw unreadable(ref, 'it is not a ciphertext this platform wrote');
    const key = await this.keyFor(ref, sealed.dataKeyId);
    const plaintext = open(key, ref, sealed);
    if (!plaintext) throw unreadable(ref, 'the ciphertext or the document it is bound to was altered');
    return plaintext;
  }

  /** Single-flight per app and owner: concurrent first writes share one new data key. */
  private currentKeyId(appId: string, owner: string): Promise<string> {
    const slot = `${appId}|${owner}`;
    const cached = this.currentKeys.get(slot);
    if (cached) return cached;
    const pending = this.dataKeys.current(appId, owner).then(({ doc, plaintext }) => {
      if (plaintext) this.keys.set(`${appId}/${doc.dataKeyId}`, plaintext);
      return doc.dataKeyId;
    });
    pending.catch(() => this.currentKeys.delete(slot));
    this.currentKeys.set(slot, pending);
    return pending;
  }

  private async keyFor(ref: FieldRef, dataKeyId: string): Promise<Uint8Array> {
    const slot = `${ref.appId}/${dataKeyId}`;
    const cached = this.keys.get(slot);
    if (cached) return cached;
    const doc = await this.dataKeys.find(ref.appId, dataKeyId);
    if (!doc) throw unreadable(ref, `it names data key ${dataKeyId}, which this app never had`);
    if (doc.shredded) throw destroyed(ref, doc);
    const key = await this.dataKeys.unwrap(doc);
    this.keys.set(slot, key);
    return key;
  }
}

function unreadable(ref: FieldRef, why: string): AppError {
  return new AppError('DECRYPTION_FAILED', `cannot decrypt ${describeRef(ref)}: ${why}`);
}

function destroyed(ref: FieldRef, doc: DataKeyDoc): AppError {
  const owner = doc.owner.startsWith('user:') ? `user ${doc.owner.slice(5)}` : 'the app';
  return new AppError('KEY_DESTROYED', `${describeRef(ref)} is unreadable: the data key of ${owner} was destroyed (crypto-shredded) on ${new Date(doc.shreddedAt ?? 0).toISOString()}`);
}
