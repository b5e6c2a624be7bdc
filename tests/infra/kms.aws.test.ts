import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKms } from '../../infra/kms/index.ts';
import { createLocalStore } from '../../infra/store/local.ts';
import { loadConfig } from '../../runtime/config.ts';
import { kmsContract } from '../contract/kms.contract.ts';

/**
 * The KMS contract on the service named by KMS_ENDPOINT (local-kms here, see infra/engines/README.md).
 * Each run uses its own alias namespace, so runs sharing the server never meet.
 */
const config = loadConfig({ ...process.env, CAAS_NAMESPACE: `k${randomUUID().slice(0, 8)}`, CAAS_LOG_LEVEL: 'silent' });
// The AWS adapter stores nothing outside KMS; the store is only the factory's signature.
const dataDir = await mkdtemp(join(tmpdir(), 'caas-kms-aws-'));
const store = await createLocalStore({ dataDir });
afterAll(async () => {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

beforeAll(() => {
  if (!config.KMS_ENDPOINT) throw new Error('KMS_ENDPOINT is not set: start the KMS emulator with bash infra/engines/up.sh kms');
  console.log(`kms contract on AWS KMS API at ${config.KMS_ENDPOINT}, alias prefix ${config.CAAS_KMS_ALIAS_PREFIX}/${config.CAAS_NAMESPACE}`);
});

kmsContract(async () => createKms(config, store));

describe('AWS KMS adapter', () => {
  it('keeps one KMS key per app and version behind aliases; the current alias follows rotation', async () => {
    const kms = await createKms(config, store);
    const app = `app_${randomUUID().slice(0, 8)}`;
    const first = await kms.ensureKey(app);
    const second = await kms.rotateKey(app);
    expect(second.keyId).not.toBe(first.keyId);
    const client = new KMSClient({
      endpoint: config.KMS_ENDPOINT,
      region: config.KMS_REGION,
      credentials: { accessKeyId: config.KMS_ACCESS_KEY_ID!, secretAccessKey: config.KMS_SECRET_ACCESS_KEY! },
    });
    const prefix = `alias/${config.CAAS_KMS_ALIAS_PREFIX}/${config.CAAS_NAMESPACE}/${app}`;
    const current = await client.send(new DescribeKeyCommand({ KeyId: prefix }));
    const v1 = await client.send(new DescribeKeyCommand({ KeyId: `${prefix}/v1` }));
    expect(current.KeyMetadata?.Arn).toBe(second.keyId);
    expect(v1.KeyMetadata?.Arn).toBe(first.keyId);
    client.destroy();
    await kms.close();
  });

  it('starts without the service and reports it unreachable on use, naming the adapter', async () => {
    const offline = await createKms({ ...config, KMS_ENDPOINT: 'http://127.0.0.1:1' }, store);
    await expect(offline.ensureKey('app_x')).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: expect.stringContaining('[kms:aws]') });
    await offline.close();
  });
});
