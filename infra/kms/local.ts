import { randomBytes } from 'node:crypto';
import { ConfigError } from '../../runtime/config.ts';
import { AppError } from '../../runtime/errors.ts';
import type { StorePort } from '../store/port.ts';
import { canonicalContext, kmsInput } from './input.ts';
import { insertUnlessExists } from './insert-unless-exists.ts';
import { deriveKek, keyCheckValue, unwrap, wrap } from './local-wrap.ts';
import type { DataKey, EncryptionContext, KekInfo, KmsPort, WrappedKey } from './port.ts';

/**
 * Local KMS: the root is CAAS_MASTER_KEY; each app's KEK versions are derived from it (HKDF with a
 * random salt per version). What is persisted — through the store port, collection `kms_keys`, so
 * every process sharing the store and master key agrees — is metadata only: version, salt, creation
 * time, and one key check value of the master key. A different master key is refused when the
 * adapter starts (`verify`), never discovered on the first read.
 */
const COLLECTION = 'kms_keys';
const KCV_ID = 'key-check-value';
const NAME = 'kms:local';

interface KekDoc {
  [field: string]: unknown;
  _id: string;
  appId: string;
  version: number;
  salt: string;
  createdAt: number;
}

export interface LocalKmsOptions {
  masterKey: string;
  store: StorePort;
  /** Where the master key came from, for error messages ('CAAS_MASTER_KEY' or a file path). */
  masterKeySource: string;
  /** Set when the key was generated into this file by this start (the banner says so). */
  generatedFile?: string;
  now?: () => number;
}

export class LocalKms implements KmsPort {
  readonly name = 'local';
  private readonly input = kmsInput(NAME);
  private readonly master: Buffer;
  private readonly keks = new Map<string, Buffer>();
  private verified: Promise<void> | null = null;
  private readonly now: () => number;
  readonly generatedFile: string | undefined;

  constructor(private readonly options: LocalKmsOptions) {
    this.master = Buffer.from(options.masterKey, 'utf8');
    this.now = options.now ?? Date.now;
    this.generatedFile = options.generatedFile;
  }

  private get docs() {
    return this.options.store.collection<KekDoc>(COLLECTION);
  }

  /** Checks the master key against the stored key check value (storing it on first use). */
  verify(): Promise<void> {
    this.verified ??= this.checkMasterKey().catch((error: unknown) => {
      this.verified = null;
      throw error;
    });
    return this.verified;
  }

  private async checkMasterKey(): Promise<void> {
    const expected = keyCheckValue(this.master);
    await this.options.store.ensureIndexes(COLLECTION, [{ keys: { appId: 1, version: 1 } }]);
    const kcv = this.options.store.collection<{ _id: string; value: string; createdAt: number }>(COLLECTION);
    let stored = await kcv.findOne({ _id: KCV_ID });
    if (!stored) {
      await insertUnlessExists(() => kcv.insertOne({ _id: KCV_ID, value: expected, createdAt: this.now() }));
      stored = await kcv.findOne({ _id: KCV_ID });
    }
    if (stored?.value !== expected) {
      // A configuration error, not an outage: no retry can fix it, so start-up ends naming it (exit 78).
      throw new ConfigError([
        `${this.options.masterKeySource}: [${NAME}] the master key from ${this.options.masterKeySource} is not the one this data was encrypted with ` +
          `(key check value ${expected}, stored ${stored?.value ?? 'none'} on ${new Date(stored?.createdAt ?? 0).toISOString()}); ` +
          'start with the original key',
      ]);
    }
  }

  async ensureKey(appId: string): Promise<KekInfo> {
    this.input.appId(appId);
    const existing = await this.describeKey(appId);
    if (existing) return existing;
    await this.addVersion(appId, 1);
    return (await this.describeKey(appId))!;
  }

  async describeKey(appId: string): Promise<KekInfo | null> {
    this.input.appId(appId);
    await this.verify();
    const versions = await this.docs.find({ appId }, { sort: { version: 1 } });
    const current = versions.at(-1);
    if (!current) return null;
    return {
      appId,
      keyId: `local:${appId}:v${current.version}`,
      currentVersion: current.version,
      versions: versions.map(({ version, createdAt }) => ({ version, createdAt })),
    };
  }

  /** Concurrent rotations from several processes may coalesce into one new version. */
  async rotateKey(appId: string): Promise<KekInfo> {
    const info = await this.ensureKey(appId);
    await this.addVersion(appId, info.currentVersion + 1);
    return (await this.describeKey(appId))!;
  }

  async generateDataKey(appId: string, context: EncryptionContext): Promise<DataKey> {
    const plaintext = randomBytes(32);
    return { plaintext, wrapped: await this.wrapKey(appId, plaintext, context) };
  }

  async wrapKey(appId: string, plaintext: Uint8Array, context: EncryptionContext): Promise<WrappedKey> {
    this.input.plaintext(plaintext);
    this.input.context(context);
    const info = await this.describeKey(appId);
    if (!info) throw new AppError('NOT_FOUND', `[${NAME}] app ${appId} has no key-encryption key; ensureKey first`);
    const kek = await this.kek(appId, info.currentVersion);
    return { version: info.currentVersion, ciphertext: wrap(kek, plaintext, aad(appId, info.currentVersion, context)) };
  }

  async unwrapKey(appId: string, wrapped: WrappedKey, context: EncryptionContext): Promise<Uint8Array> {
    this.input.appId(appId);
    this.input.wrapped(wrapped);
    this.input.context(context);
    await this.verify();
    const kek = await this.kek(appId, wrapped.version);
    const plaintext = unwrap(kek, wrapped.ciphertext, aad(appId, wrapped.version, context));
    if (!plaintext) {
      throw new AppError('DECRYPTION_FAILED', `[${NAME}] a data key of app ${appId} (KEK version ${wrapped.version}) does not unwrap: altered, or another encryption context`);
    }
    return plaintext;
  }

  /** No engine of its own: the store it keeps metadata in answers for itself in readiness checks. */
  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.keks.clear();
  }

  private async kek(appId: string, version: number): Promise<Buffer> {
    const id = versionId(appId, version);
    const cached = this.keks.get(id);
    if (cached) return cached;
    const doc = await this.docs.findOne({ _id: id });
    if (!doc) throw new AppError('NOT_FOUND', `[${NAME}] app ${appId} has no key-encryption key version ${version}`);
    const kek = deriveKek(this.master, Buffer.from(doc.salt, 'base64'), appId, version);
    this.keks.set(id, kek);
    return kek;
  }

  private async addVersion(appId: string, version: number): Promise<void> {
    await this.verify();
    const doc = { _id: versionId(appId, version), appId, version, salt: randomBytes(16).toString('base64'), createdAt: this.now() };
    await insertUnlessExists(() => this.docs.insertOne(doc));
  }
}

const versionId = (appId: string, version: number) => `${appId}:v${version}`;
const aad = (appId: string, version: number, context: EncryptionContext) => `caas/kms/wrap|${appId}|v${version}|${canonicalContext(context)}`;
