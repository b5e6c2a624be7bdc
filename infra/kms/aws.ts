import {
  CreateAliasCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand, GenerateDataKeyCommand,
  KMSClient, ScheduleKeyDeletionCommand, UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { isAppError } from '../../runtime/errors.ts';
import { enginePolicy, type EngineGuard } from '../resilience.ts';
import type { StorePort } from '../store/port.ts';
import { canaryAlias, checkCanary, type CanaryKms } from './aws-canary.ts';
import { isTransientKmsError, kmsErrorName, kmsRefusal } from './aws-errors.ts';
import { kmsInput } from './input.ts';
import type { DataKey, EncryptionContext, KekInfo, KekVersion, KmsPort, WrappedKey } from './port.ts';

/**
 * AWS KMS (or local-kms). One symmetric KMS key per app and version, found by alias:
 * `alias/<prefix>/<appId>/v<n>` names version n, `alias/<prefix>/<appId>` the current one, whose
 * description says its version. Rotation creates a key and moves the current alias — local-kms has
 * no RotateKeyOnDemand, and this way every version stays addressable for Decrypt. Outside KMS only
 * one canary is stored, so that a start pointed at another KMS is refused (`verify`, aws-canary.ts).
 * The encryption context is KMS's own (bound as AAD).
 *
 * Options: `endpoint`, `region`, `accessKeyId`/`secretAccessKey` (required: the SDK's fallback chain
 * would probe cloud metadata), `aliasPrefix` (`caas`, plus `/<namespace>`), `store` (holds the
 * canary: pass the namespaced store), `timeoutMs` [5 000].
 */
export interface AwsKmsOptions {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  aliasPrefix: string;
  store: StorePort;
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
  private verified: Promise<void> | null = null;

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
    return this.guard(operation, fn, (error) => kmsRefusal(NAME, operation, error));
  }

  async ensureKey(appId: string): Promise<KekInfo> {
    return (await this.describeKey(appId)) ?? (await this.addVersion(appId, 1));
  }

  async describeKey(appId: string): Promise<KekInfo | null> {
    this.input.appId(appId);
    await this.verify();
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
    const { plaintext, ciphertext } = await this.generate(this.alias(appId, currentVersion), context);
    return { plaintext, wrapped: { version: currentVersion, ciphertext } };
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
    await this.verify();
    const { keyId } = await this.version(appId, wrapped.version);
    return this.decrypt(keyId, wrapped.ciphertext, context);
  }

  /** Checks that this is the KMS the data was written under (recording the canary on first use). */
  verify(): Promise<void> {
    const { endpoint, region, aliasPrefix, store } = this.options;
    this.verified ??= checkCanary(this.canaryKms(), store, { endpoint, region, aliasPrefix }, Date.now).catch((error: unknown) => {
      this.verified = null;
      throw error;
    });
    return this.verified;
  }

  /** Reachability only: describes the deployment's canary alias (reserved; no app's alias can be it), present or not. */
  async ping(): Promise<void> {
    await this.describeAlias(canaryAlias(this.options.aliasPrefix));
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
    await this.createKeyBehind(this.alias(appId, version), `caas KEK ${appId} v${version}`);
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

  /** A new KMS key named by `alias`, unless a concurrent caller's got the alias first (ours is then deleted). */
  private async createKeyBehind(alias: string, description: string): Promise<void> {
    const created = await this.call('CreateKey', (abortSignal) =>
      this.client.send(new CreateKeyCommand({ Description: description, KeyUsage: 'ENCRYPT_DECRYPT' }), { abortSignal }),
    );
    const keyId = created.KeyMetadata!.KeyId!;
    if (!(await this.createAlias(alias, keyId))) {
      await this.call('ScheduleKeyDeletion', (abortSignal) =>
        this.client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: PENDING_WINDOW_DAYS }), { abortSignal }),
      );
    }
  }

  /** The canary's KMS calls: the same client and policy, never gated on verify (they are its check). */
  private canaryKms(): CanaryKms {
    return {
      ensureKey: async (alias, description) => {
        if (!(await this.describeAlias(alias))) await this.createKeyBehind(alias, description);
      },
      generateDataKey: (alias, context) => this.generate(alias, context),
      decrypt: (alias, ciphertext, context) => this.decrypt(alias, ciphertext, context),
    };
  }

  /** `keyId`: a key id, ARN or alias; the answer names the key's ARN. */
  private async generate(keyId: string, context: EncryptionContext): Promise<{ keyId: string; plaintext: Uint8Array; ciphertext: Uint8Array }> {
    const out = await this.call('GenerateDataKey', (abortSignal) =>
      this.client.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: context }), { abortSignal }),
    );
    return { keyId: out.KeyId!, plaintext: out.Plaintext!, ciphertext: out.CiphertextBlob! };
  }

  private async decrypt(keyId: string, ciphertext: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    const out = await this.call('Decrypt', (abortSignal) =>
      this.client.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: ciphertext, EncryptionContext: context }), { abortSignal }),
    );
    return out.Plaintext!;
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
