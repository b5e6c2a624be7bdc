import { ConfigError } from '../../runtime/config.ts';
import type { StorePort } from '../store/port.ts';
import { isKmsRefusal } from './aws-errors.ts';
import { insertUnlessExists } from './insert-unless-exists.ts';
import { keyCheckValue } from './local-wrap.ts';
import type { EncryptionContext } from './port.ts';

/**
 * The AWS adapter's start-up check, its counterpart of the local key check value. KMS holds the keys,
 * so what proves this is the KMS the data was written under is a canary: a data key generated once
 * under the deployment's own KMS key (`alias/<prefix>/_deployment/canary`, which no app alias can
 * be), stored wrapped in `kms_keys` with a check value of its plaintext. Each start decrypts it
 * through that alias: another endpoint, region, account or alias prefix has no such key, or one that
 * refuses it, and start-up ends with a ConfigError naming both sides. An outage stays an outage.
 */
export const CANARY_ID = 'aws-canary';
const COLLECTION = 'kms_keys';
const CONTEXT: EncryptionContext = { purpose: 'caas-kms-canary' };

export interface CanaryRecord {
  [field: string]: unknown;
  _id: string;
  /** ARN of the KMS key that wrapped it, and the alias it was found by. */
  keyId: string;
  alias: string;
  endpoint: string;
  region: string;
  /** The wrapped data key, base64. */
  ciphertext: string;
  /** keyCheckValue of the plaintext: 8 bytes, hex. */
  check: string;
  createdAt: number;
}

/** What the check needs from the adapter, each call through its engine policy. */
export interface CanaryKms {
  /** Creates a KMS key behind the alias unless it exists; safe to race. */
  ensureKey(alias: string, description: string): Promise<void>;
  generateDataKey(alias: string, context: EncryptionContext): Promise<{ keyId: string; plaintext: Uint8Array; ciphertext: Uint8Array }>;
  decrypt(alias: string, ciphertext: Uint8Array, context: EncryptionContext): Promise<Uint8Array>;
}

/** Where this process looks for its keys (for the record and the error message). */
export interface CanaryTarget {
  endpoint: string;
  region: string;
  aliasPrefix: string;
}

export const canaryAlias = (aliasPrefix: string) => `alias/${aliasPrefix}/_deployment/canary`;

/** Records the canary on first use (the first writer's stands), then checks it: one Decrypt. */
export async function checkCanary(kms: CanaryKms, store: StorePort, target: CanaryTarget, now: () => number): Promise<void> {
  const records = store.collection<CanaryRecord>(COLLECTION);
  const alias = canaryAlias(target.aliasPrefix);
  let record = await records.findOne({ _id: CANARY_ID });
  if (!record) {
    const key = await refusedAsConfigError(target, alias, async () => {
      await kms.ensureKey(alias, 'caas canary: proves at start-up that this is the KMS the data was written under');
      return kms.generateDataKey(alias, CONTEXT);
    });
    const fresh: CanaryRecord = {
      _id: CANARY_ID,
      keyId: key.keyId,
      alias,
      endpoint: target.endpoint,
      region: target.region,
      ciphertext: Buffer.from(key.ciphertext).toString('base64'),
      check: keyCheckValue(key.plaintext),
      createdAt: now(),
    };
    await insertUnlessExists(() => records.insertOne(fresh));
    record = (await records.findOne({ _id: CANARY_ID })) ?? fresh;
  }
  let plaintext: Uint8Array;
  try {
    plaintext = await kms.decrypt(alias, Buffer.from(record.ciphertext, 'base64'), CONTEXT);
  } catch (error) {
    // Only KMS's own refusal says "wrong KMS"; unreachable or timing out is retried as an outage.
    if (!isKmsRefusal(error)) throw error;
    const reason = error.code === 'NOT_FOUND' ? `it has no key ${alias}` : `Decrypt of the recorded canary under ${alias} was refused (${error.message})`;
    throw misconfigured(target, record, reason);
  }
  const check = keyCheckValue(plaintext);
  if (check !== record.check) {
    throw misconfigured(target, record, `the recorded canary decrypts to check value ${check}, not the recorded ${record.check} (the record was altered or replaced)`);
  }
}

/**
 * Recording the canary is the first thing a deployment asks of its KMS: a refusal there (credentials
 * without the right to create keys or aliases, a key disabled behind the alias) is a configuration
 * error too, and retrying it for ever would only hide it. An outage is still thrown as it came.
 */
async function refusedAsConfigError<T>(target: CanaryTarget, alias: string, record: () => Promise<T>): Promise<T> {
  try {
    return await record();
  } catch (error) {
    if (!isKmsRefusal(error)) throw error;
    throw new ConfigError([
      `${theKms(target)} refused to record the start-up canary ${alias} (${error.message}). The KMS credentials need CreateKey, CreateAlias, ` +
        `UpdateAlias, DescribeKey, GenerateDataKey, Encrypt, Decrypt and ScheduleKeyDeletion on keys under alias/${target.aliasPrefix}/`,
    ]);
  }
}

/** The start of every canary ConfigError: the setting to fix, and the KMS this process reached. */
const theKms = (target: CanaryTarget) =>
  `KMS_ENDPOINT: [kms:aws] the KMS at ${target.endpoint} (region ${target.region}, alias prefix ${target.aliasPrefix})`;

// A configuration error, not an outage: no retry can fix it, so start-up ends naming it (exit 78).
function misconfigured(target: CanaryTarget, record: CanaryRecord, reason: string): ConfigError {
  return new ConfigError([
    `${theKms(target)} is not the one this data was encrypted with: ${reason}. Recorded: key ${record.keyId} (${record.alias}) at ${record.endpoint}, ` +
      `region ${record.region}, on ${new Date(record.createdAt).toISOString()}. Point KMS_ENDPOINT, KMS_REGION, the KMS credentials, ` +
      `CAAS_KMS_ALIAS_PREFIX and CAAS_NAMESPACE at that KMS; if that key is gone for good, what it encrypted cannot be read ` +
      `(delete the ${CANARY_ID} document of ${COLLECTION} to start anyway)`,
  ]);
}
