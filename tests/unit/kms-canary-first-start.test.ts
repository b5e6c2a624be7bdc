import { afterEach, describe, expect, it } from 'vitest';
import { CANARY_ID, checkCanary, type CanaryKms } from '../../infra/kms/aws-canary.ts';
import { kmsRefusal } from '../../infra/kms/aws-errors.ts';
import { createLocalStore } from '../../infra/store/local.ts';
import type { StorePort } from '../../infra/store/port.ts';
import { ConfigError } from '../../runtime/config.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

/*
 * What AWS KMS answers to credentials that may not create keys: local-kms checks no permissions, so
 * the refusal the AWS SDK raises is built here, as the SDK shapes it (a name and a 4xx status), and
 * passed through the adapter's own error mapping. The canary's success paths run on local-kms
 * (tests/infra/kms.aws.test.ts).
 */
const dirs = useTempDirs();
const stores: StorePort[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function freshStore(): Promise<StorePort> {
  const store = await createLocalStore({ dataDir: dirs.makeSync('caas-canary-') });
  stores.push(store);
  return store;
}

const target = { endpoint: 'https://kms.example.test', region: 'eu-west-1', aliasPrefix: 'caas/prod' };
const sdkError = (name: string, status: number | undefined) =>
  Object.assign(new Error(`${name} from the service`), { name, ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }) });

function kmsFailingWith(error: Error): CanaryKms {
  return {
    ensureKey: () => Promise.reject(error),
    generateDataKey: () => Promise.reject(new Error('not reached')),
    decrypt: () => Promise.reject(new Error('not reached')),
  };
}

describe('AWS KMS start-up canary: the first start', () => {
  it('ends start-up with a ConfigError naming the KMS and the permissions when the KMS refuses to create the canary key', async () => {
    const store = await freshStore();
    const refused = kmsRefusal('kms:aws', 'CreateKey', sdkError('AccessDeniedException', 400));
    const failure = await checkCanary(kmsFailingWith(refused), store, target, Date.now).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    const message = (failure as ConfigError).message;
    expect(message).toContain('the KMS at https://kms.example.test (region eu-west-1, alias prefix caas/prod) refused to record the start-up canary alias/caas/prod/_deployment/canary');
    expect(message).toContain('AccessDeniedException');
    expect(message).toContain('CreateKey, CreateAlias');
    expect(await store.collection('kms_keys').findOne({ _id: CANARY_ID })).toBeNull();
  });

  it('leaves an outage (no answer, or a 5xx) as it came, to be retried, and records nothing', async () => {
    const store = await freshStore();
    for (const outage of [sdkError('TimeoutError', undefined), sdkError('KMSInternalException', 500)]) {
      const failure = await checkCanary(kmsFailingWith(outage), store, target, Date.now).catch((error: unknown) => error);
      expect(failure).toBe(outage);
    }
    expect(await store.collection('kms_keys').findOne({ _id: CANARY_ID })).toBeNull();
  });
});
