import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertKeyConfig, createKms } from '../../infra/kms/index.ts';
import { LocalKms } from '../../infra/kms/local.ts';
import { createLocalStore } from '../../infra/store/local.ts';
import type { StorePort } from '../../infra/store/port.ts';
import { ConfigError, loadConfig } from '../../runtime/config.ts';
import { kmsContract } from './kms.contract.ts';

const dirs: string[] = [];
const stores: StorePort[] = [];
async function freshStore(): Promise<{ dir: string; store: StorePort }> {
  const dir = await mkdtemp(join(tmpdir(), 'caas-kms-'));
  dirs.push(dir);
  const store = await createLocalStore({ dataDir: dir });
  stores.push(store);
  return { dir, store };
}
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const MASTER = 'contract-master-key-0123456789abcdef';

kmsContract(async () => new LocalKms({ masterKey: MASTER, masterKeySource: 'CAAS_MASTER_KEY', store: (await freshStore()).store }));

describe('local KMS (master key)', () => {
  it('is what createKms returns with CAAS_MASTER_KEY; keys survive a restart with the same key', async () => {
    const { dir, store } = await freshStore();
    const config = loadConfig({ CAAS_DATA_DIR: dir, CAAS_MASTER_KEY: MASTER });
    const first = await createKms(config, store);
    expect(first.name).toBe('local');
    await first.ensureKey('app_a');
    const { plaintext, wrapped } = await first.generateDataKey('app_a', { dataKey: 'x' });
    const second = await createKms(config, store);
    expect(Buffer.from(await second.unwrapKey('app_a', wrapped, { dataKey: 'x' }))).toEqual(Buffer.from(plaintext));
  });

  it('refuses to start with another master key than the data was written with, naming the variable', async () => {
    const { dir, store } = await freshStore();
    await (await createKms(loadConfig({ CAAS_DATA_DIR: dir, CAAS_MASTER_KEY: MASTER }), store)).ensureKey('app_a');
    const wrong = createKms(loadConfig({ CAAS_DATA_DIR: dir, CAAS_MASTER_KEY: `${MASTER}-not-it` }), store);
    await expect(wrong).rejects.toBeInstanceOf(ConfigError);
    await expect(wrong).rejects.toThrow(/master key from CAAS_MASTER_KEY is not the one this data was encrypted with/);
  });

  it('generates a master key into the data dir in local mode (0600), says so once, and reuses it', async () => {
    const { dir, store } = await freshStore();
    const config = loadConfig({ CAAS_DATA_DIR: dir });
    const first = await createKms(config, store);
    expect(first).toBeInstanceOf(LocalKms);
    expect((first as LocalKms).generatedFile).toBe(join(dir, 'master-key'));
    expect((await stat(join(dir, 'master-key'))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(dir, 'master-key'), 'utf8')).trim().length).toBeGreaterThanOrEqual(32);
    await first.ensureKey('app_a');
    const { plaintext, wrapped } = await first.generateDataKey('app_a', {});
    const second = (await createKms(config, store)) as LocalKms;
    expect(second.generatedFile).toBeUndefined();
    expect(Buffer.from(await second.unwrapKey('app_a', wrapped, {}))).toEqual(Buffer.from(plaintext));
  });

  it('in cluster mode without a key: entries refuse to start naming CAAS_MASTER_KEY; the port refuses every call', async () => {
    const { dir, store } = await freshStore();
    const config = loadConfig({ CAAS_DATA_DIR: dir, REDIS_URL: 'redis://127.0.0.1:1' });
    expect(() => assertKeyConfig(config)).toThrow(ConfigError);
    expect(() => assertKeyConfig(config)).toThrow(/CAAS_MASTER_KEY: required in cluster mode \(REDIS_URL is set\)/);
    const kms = await createKms(config, store);
    expect(kms.name).toBe('none');
    await expect(kms.ensureKey('app_a')).rejects.toThrow(/set CAAS_MASTER_KEY or KMS_ENDPOINT/);
    await expect(readFile(join(dir, 'master-key'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(() => assertKeyConfig(loadConfig({ REDIS_URL: 'redis://127.0.0.1:1', CAAS_MASTER_KEY: MASTER }))).not.toThrow();
    expect(() => assertKeyConfig(loadConfig({}))).not.toThrow();
  });

  it('is replaced by AWS KMS when KMS_ENDPOINT is set: credentials required; an unreachable service fails calls, not startup', async () => {
    const { store } = await freshStore();
    await expect(createKms(loadConfig({ KMS_ENDPOINT: 'http://127.0.0.1:1' }), store)).rejects.toThrow(/KMS_ACCESS_KEY_ID and KMS_SECRET_ACCESS_KEY/);
    const kms = await createKms(loadConfig({ KMS_ENDPOINT: 'http://127.0.0.1:1', KMS_ACCESS_KEY_ID: 'id', KMS_SECRET_ACCESS_KEY: 'secret' }), store);
    expect(kms.name).toBe('aws');
    await expect(kms.describeKey('app_a')).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await kms.close();
  });
});
