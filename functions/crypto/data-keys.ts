import type { IndexDeclaration } from '../../infra/store/port.ts';
import type { EncryptionContext, KmsPort, WrappedKey } from '../../infra/kms/port.ts';
import type { StorePort } from '../../infra/store/port.ts';
import { newSecret } from '../../runtime/ids.ts';

/**
 * Wrapped data keys, one document each in `crypto_data_keys`: per app (`owner: 'app'`) or per user
 * (`owner: 'user:<id>'`, so that user's content can be crypto-shredded). A key is created under the
 * app's KEK version of the moment (`createdUnder`, fixed) and wrapped by `kekVersion` (moves forward
 * when re-wrapped). Shredding removes the wrapped copy for good; the document stays as the record
 * that the key existed and was destroyed.
 */
export const DATA_KEYS = 'crypto_data_keys';

export interface DataKeyDoc {
  [field: string]: unknown;
  _id: string;
  appId: string;
  dataKeyId: string;
  owner: string;
  createdUnder: number;
  kekVersion: number;
  /** Base64; absent once shredded. */
  wrapped?: string;
  createdAt: number;
  shredded: boolean;
  shreddedAt?: number;
}

export const dataKeyIndexes: IndexDeclaration[] = [
  { collection: DATA_KEYS, specs: [{ keys: { appId: 1, owner: 1, createdUnder: 1 } }, { keys: { appId: 1, kekVersion: 1 } }] },
];

export const ownerOf = (userId?: string) => (userId === undefined ? 'app' : `user:${userId}`);

/** What the KMS binds a data key to: unwrapping it for another app, owner or id fails. */
const contextOf = (doc: Pick<DataKeyDoc, 'appId' | 'dataKeyId' | 'owner'>): EncryptionContext => ({
  purpose: 'caas/data-key',
  app: doc.appId,
  dataKey: doc.dataKeyId,
  owner: doc.owner,
});

export class DataKeys {
  constructor(
    private readonly kms: KmsPort,
    private readonly store: StorePort,
    private readonly now: () => number,
  ) {}

  private get docs() {
    return this.store.collection<DataKeyDoc>(DATA_KEYS);
  }

  find(appId: string, dataKeyId: string): Promise<DataKeyDoc | null> {
    return this.docs.findOne({ _id: `${appId}/${dataKeyId}` });
  }

  /** The owner's key for new writes under the app's current KEK version, created when missing. */
  async current(appId: string, owner: string): Promise<{ doc: DataKeyDoc; plaintext?: Uint8Array }> {
    const { currentVersion } = await this.kms.ensureKey(appId);
    const existing = await this.docs.findOne({ appId, owner, createdUnder: currentVersion, shredded: false });
    if (existing) return { doc: existing };
    // Two processes racing here each make a key; both are valid, one is used from then on.
    const dataKeyId = newSecret(9);
    const base = { appId, dataKeyId, owner };
    const { plaintext, wrapped } = await this.kms.generateDataKey(appId, contextOf(base));
    const doc: DataKeyDoc = {
      _id: `${appId}/${dataKeyId}`,
      ...base,
      createdUnder: wrapped.version,
      kekVersion: wrapped.version,
      wrapped: Buffer.from(wrapped.ciphertext).toString('base64'),
      createdAt: this.now(),
      shredded: false,
    };
    await this.docs.insertOne(doc);
    return { doc, plaintext };
  }

  /** The key in clear; the caller checked it is not shredded. */
  unwrap(doc: DataKeyDoc): Promise<Uint8Array> {
    return this.kms.unwrapKey(doc.appId, wrappedOf(doc), contextOf(doc));
  }

  /** Re-wraps up to `limit` keys still wrapped by an older KEK version; returns how many. */
  async rewrapBatch(appId: string, currentVersion: number, limit: number): Promise<number> {
    const stale = await this.docs.find({ appId, shredded: false, kekVersion: { $lt: currentVersion } }, { limit });
    for (const doc of stale) {
      const plaintext = await this.unwrap(doc);
      const wrapped = await this.kms.wrapKey(appId, plaintext, contextOf(doc));
      // Conditional on the old version: a concurrent re-wrap or shred wins, nothing is undone.
      await this.docs.updateOne(
        { _id: doc._id, kekVersion: doc.kekVersion, shredded: false },
        { $set: { kekVersion: wrapped.version, wrapped: Buffer.from(wrapped.ciphertext).toString('base64') } },
      );
    }
    return stale.length;
  }

  async counts(appId: string, currentVersion: number): Promise<{ total: number; onCurrentVersion: number; shredded: number }> {
    const [total, onCurrentVersion, shredded] = await Promise.all([
      this.docs.countDocuments({ appId, shredded: false }),
      this.docs.countDocuments({ appId, shredded: false, kekVersion: currentVersion }),
      this.docs.countDocuments({ appId, shredded: true }),
    ]);
    return { total, onCurrentVersion, shredded };
  }

  /** Destroys every wrapped copy of the owner's keys; returns the ids destroyed. */
  async shred(appId: string, owner: string): Promise<string[]> {
    const live = await this.docs.find({ appId, owner, shredded: false });
    if (live.length === 0) return [];
    await this.docs.updateMany({ appId, owner, shredded: false }, { $set: { shredded: true, shreddedAt: this.now() }, $unset: { wrapped: '' } });
    return live.map((doc) => doc.dataKeyId);
  }
}

function wrappedOf(doc: DataKeyDoc): WrappedKey {
  return { version: doc.kekVersion, ciphertext: Buffer.from(doc.wrapped ?? '', 'base64') };
}
