import {
  CreateAliasCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand, GenerateDataKeyCommand,
  KMSClient, ScheduleKeyDeletionCommand, UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { isAppError } from '../../runtime/errors.ts';
import { enginePolicy, type EngineGuard } from '../resilience.ts';
import { isTransientKmsError, kmsErrorName, kmsRefusal } from './aws-errors.ts';
import { kmsInput } from './input.ts';
import type { DataKey, EncryptionContext, KekInfo, KekVersion, KmsPort, WrappedKey } from './port.ts';

/**
 * AWS KMS (or local-kms). One symmetric KMS key per app and version, found by alias:
 * `alias/<prefix>/<appId>/v<n>` names version n, `alias/<prefix>/<appId>` the current one, whose
 * description says its version. Rotation creates a key and moves the current alias — local-kms has
 * no RotateKeyOnDemand, and this way every version stays addressable for Decrypt. Nothing is stored
 * outside KMS. The encryption context is KMS's own (bound as AAD).
 *
 * Options: `endpoint`, `region`, `accessKeyId`/`secretAccessKey` (required: the SDK's fallback chain
 * would probe cloud metadata), `aliasPrefix` (`caas`, plus `/<namespace>`), `timeoutMs` [5 000].
 */
export interface AwsKmsOptions {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  aliasPrefix: string;
  timeoutMs?: number;
}

const NAME = 'kms:aws';
/** A key created by the loser of a creation race is scheduled for deletion after the minimum wait. */
const PENDING_WINDOW_DAYS = 7;

export function createAwsKms(options: AwsKmsOptions): KmsPort {
  return new AwsKms(options);
}

class AwsKms implements KmsPort {
  readonly name = 'aws';
  private readonly input = kmsInput(NAME);
  private readonly client: KMSClient;
  private readonly guard: EngineGuard;
  /** Versions never change once created: cached per app. */
  private readonly versions = new Map<string, Map<number, KekVersion & { keyId: string }>>();

  constructor(private readonly options: AwsKmsOptions) {
    this.client = new KMSClient({
      endpoint: options.endpoint,
      region: options.region,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      // The engine policy is the one retry layer.
      maxAttempts: 1,
    });
    this.guard = enginePolicy({ engine: NAME, timeoutMs: options.timeoutMs ?? 5_000, isTransient: isTransientKmsError });
  }

  private alias(appId: string, version?: number): string {
    return `alias/${this.options.aliasPrefix}/${appId}${version ? `/v${version}` : ''}`;
  }

  /** One KMS call through the engine policy; refusals become AppErrors (never retried). */
  private call<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.guard(operation, async (signal) => {
      try {
        return await fn(signal);
      } catch (error) {
        if (isAppError(error) || isTransientKmsError(error)) throw error;
        throw kmsRefusal(NAME, operation, error);
      }
    });
  }

  async ensureKey(appId: string): Promise<KekInfo> {
    return (await this.describeKey(appId)) ?? (await this.addVersion(appId, 1));
  }

  async describeKey(appId: string): Promise<KekInfo | null> {
    this.input.appId(appId);
    const current = await this.describeAlias(this.alias(appId));
    if (!current) return null;
    const currentVersion = versionOf(current.description);
    const versions: KekVersion[] = [];
    for (let version = 1; version <= currentVersion; version++) {
      const known = await this.version(appId, version);
      versions.push({ version, createdAt: known.createdAt });
    }
    return { appId, keyId: current.arn, currentVersion, versions };
  }

  async rotateKey(appId: string): Promise<KekInfo> {
    const info = await this.ensureKey(appId);
    return this.addVersion(appId, info.currentVersion + 1);
  }

  async generateDataKey(appId: string, context: EncryptionContext): Promise<DataKey> {
    this.input.context(context);
    const { currentVersion } = await this.requireKey(appId);
    const out = await this.call('GenerateDataKey', (abortSignal) =>
      this.client.send(new GenerateDataKeyCommand({ KeyId: this.alias(appId, currentVersion), KeySpec: 'AES_256', EncryptionContext: context }), { abortSignal }),
    );
    return { plaintext: out.Plaintext!, wrapped: { version: currentVersion, ciphertext: out.CiphertextBlob! } };
  }

  async wrapKey(appId: string, plaintext: Uint8Array, context: EncryptionContext): Promise<WrappedKey> {
    this.input.plaintext(plaintext);
    this.input.context(context);
    const { currentVersion } = await this.requireKey(appId);
    const out = await this.call('Encrypt', (abortSignal) =>
      this.client.send(new EncryptCommand({ KeyId: this.alias(appId, currentVersion), Plaintext: plaintext, EncryptionContext: context }), { abortSignal }),
    );
    return { version: currentVersion, ciphertext: out.CiphertextBlob! };
  }

  async unwrapKey(appId: string, wrapped: WrappedKey, context: EncryptionContext): Promise<Uint8Array> {
    this.input.appId(appId);
    this.input.wrapped(wrapped);
    this.input.context(context);
    const { keyId } = await this.version(appId, wrapped.version);
    const out = await this.call('Decrypt', (abortSignal) =>
      this.client.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: wrapped.ciphertext, EncryptionContext: context }), { abortSignal }),
    );
    return out.Plaintext!;
  }

  /** Nothing to check locally: the KMS holds the keys. */
  async verify(): Promise<void> {}

  async ping(): Promise<void> {
    await this.describeAlias(this.alias('ping'));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private async requireKey(appId: string): Promise<KekInfo> {
    const info = await this.describeKey(appId);
    if (!info) throw kmsRefusal(NAME, 'describe', Object.assign(new Error(`app ${appId} has no key-encryption key; ensureKey first`), { name: 'NotFoundException' }));
    return info;
  }

  private async describeAlias(alias: string): Promise<{ arn: string; keyId: string; description: string; createdAt: number } | null> {
    try {
      const { KeyMetadata: meta } = await this.call('DescribeKey', (abortSignal) => this.client.send(new DescribeKeyCommand({ KeyId: alias }), { abortSignal }));
      return { arn: meta!.Arn!, keyId: meta!.KeyId!, description: meta!.Description ?? '', createdAt: meta!.CreationDate?.getTime() ?? 0 };
    } catch (error) {
      if (isAppError(error) && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  private async version(appId: string, version: number): Promise<KekVersion & { keyId: string }> {
    const cached = this.versions.get(appId)?.get(version);
    if (cached) return cached;
    const found = await this.describeAlias(this.alias(appId, version));
    if (!found) throw kmsRefusal(NAME, 'describe', Object.assign(new Error(`app ${appId} has no key-encryption key version ${version}`), { name: 'NotFoundException' }));
    const entry = { version, createdAt: found.createdAt, keyId: found.keyId };
    if (!this.versions.has(appId)) this.versions.set(appId, new Map());
    this.versions.get(appId)!.set(version, entry);
    return entry;
  }

  /** Creates version n (unless a concurrent caller did) and points the current alias at it. */
  private async addVersion(appId: string, version: number): Promise<KekInfo> {
    const created = await this.call('CreateKey', (abortSignal) =>
      this.client.send(new CreateKeyCommand({ Description: `caas KEK ${appId} v${version}`, KeyUsage: 'ENCRYPT_DECRYPT' }), { abortSignal }),
    );
    const keyId = created.KeyMetadata!.KeyId!;
    const won = await this.createAlias(this.alias(appId, version), keyId);
    if (!won) {
      await this.call('ScheduleKeyDeletion', (abortSignal) =>
        this.client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: PENDING_WINDOW_DAYS }), { abortSignal }),
      );
    }
    const target = (await this.version(appId, version)).keyId;
    if (!(await this.createAlias(this.alias(appId), target)) && (await this.currentVersion(appId)) < version) {
      // Forward only: a slow rotator must not move the alias back past a newer version.
      await this.call('UpdateAlias', (abortSignal) => this.client.send(new UpdateAliasCommand({ AliasName: this.alias(appId), TargetKeyId: target }), { abortSignal }));
    }
    return (await this.describeKey(appId))!;
  }

  private async currentVersion(appId: string): Promise<number> {
    const current = await this.describeAlias(this.alias(appId));
    return current ? versionOf(current.description) : 0;
  }

  /** False when the alias already exists (another process got there first). */
  private async createAlias(alias: string, keyId: string): Promise<boolean> {
    try {
      await this.client.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId }));
      return true;
    } catch (error) {
      if (kmsErrorName(error) === 'AlreadyExistsException') return false;
      throw kmsRefusal(NAME, 'CreateAlias', error);
    }
  }
}

/** The version a key's description names (`caas KEK <app> v<n>`). */
const versionOf = (description: string) => Number(/ v(\d+)$/.exec(description)?.[1] ?? 1);
