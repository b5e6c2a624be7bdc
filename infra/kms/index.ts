/** KMS port factory: AWS KMS when KMS_ENDPOINT is set, else the local KMS rooted in the master key. */
import type { Config } from '../../runtime/config.ts';
import { AppError } from '../../runtime/errors.ts';
import type { StorePort } from '../store/port.ts';
import { LocalKms } from './local.ts';
import { clusterModeBy, resolveKeySource } from './master-key.ts';
import type { KmsPort } from './port.ts';
import { unconfiguredKms } from './unconfigured.ts';

export type * from './port.ts';
export { KMS_LIMITS } from './port.ts';
export { assertKeyConfig } from './master-key.ts';

/**
 * `store` holds the local adapter's key metadata and the AWS adapter's canary: pass the namespaced
 * store. In local mode the master key is checked against its key check value here, so a wrong key
 * stops start-up; in cluster mode (the store may not be up yet), and always with AWS KMS (which may
 * not be up yet either), by `verify()` in the engines' prepare step (runtime/platform.ts) or on first use.
 */
export async function createKms(config: Config, store: StorePort): Promise<KmsPort> {
  const source = await resolveKeySource(config);
  if (source.kind === 'aws') {
    if (!config.KMS_ACCESS_KEY_ID || !config.KMS_SECRET_ACCESS_KEY) {
      throw new AppError('ENGINE_UNAVAILABLE', '[kms:aws] KMS_ENDPOINT is set, so KMS_ACCESS_KEY_ID and KMS_SECRET_ACCESS_KEY are required');
    }
    // Loaded only here: local mode never pays for the AWS SDK.
    const { createAwsKms } = await import('./aws.ts');
    return createAwsKms({
      endpoint: config.KMS_ENDPOINT!,
      region: config.KMS_REGION,
      accessKeyId: config.KMS_ACCESS_KEY_ID,
      secretAccessKey: config.KMS_SECRET_ACCESS_KEY,
      aliasPrefix: [config.CAAS_KMS_ALIAS_PREFIX, config.CAAS_NAMESPACE].filter(Boolean).join('/'),
      store,
    });
  }
  if (source.kind === 'missing') return unconfiguredKms(clusterModeBy(config)!);
  const kms = new LocalKms({
    masterKey: source.key,
    store,
    masterKeySource: source.from === 'file' ? source.file : 'CAAS_MASTER_KEY',
    ...(source.from === 'file' && source.generated ? { generatedFile: source.file } : {}),
  });
  if (!clusterModeBy(config)) await kms.verify();
  return kms;
}
