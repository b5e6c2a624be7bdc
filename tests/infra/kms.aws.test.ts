import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domain } from '../../functions/domain.ts';
import { CANARY_ID, type CanaryRecord } from '../../infra/kms/aws-canary.ts';
import { createAwsKms } from '../../infra/kms/aws.ts';
import { createKms } from '../../infra/kms/index.ts';
import { createLocalStore } from '../../infra/store/local.ts';
import type { StorePort } from '../../infra/store/port.ts';
import { ConfigError, loadConfig } from '../../runtime/config.ts';
import { startPreparedServices, startServices, stopServices } from '../../runtime/platform.ts';
import { kmsContract } from '../contract/kms.contract.ts';
import { eventually } from '../support/eventually.ts';

/**
 * The KMS contract on the service named by KMS_ENDPOINT (local-kms here, see infra/engines/README.md).
 * Each run uses its own alias namespace, so runs sharing the server never meet.
 */
const config = loadConfig({ ...process.env, CAAS_NAMESPACE: `k${randomUUID().slice(0, 8)}`, CAAS_LOG_LEVEL: 'silent' });
// The AWS adapter stores only its canary outside KMS (kms_keys, aws-canary.ts).
const dirs: string[] = [];
const stores: StorePort[] = [];
async function freshStore(): Promise<StorePort> {
  const dir = await mkdtemp(join(tmpdir(), 'caas-kms-aws-'));
  dirs.push(dir);
  const created = await createLocalStore({ dataDir: dir });
  stores.push(created);
  return created;
}
const store = await freshStore();
afterAll(async () => {
  await Promise.all(stores.map((each) => each.close()));
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
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
    await expect(offline.ping()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: expect.stringContaining('[kms:aws]') });
    await offline.close();
  });

  it('ping answers while the KMS does, on a fresh deployment too, and creates nothing: not an app key named ping, not the canary', async () => {
    const fresh = loadConfig({ ...process.env, CAAS_NAMESPACE: `p${randomUUID().slice(0, 8)}`, CAAS_LOG_LEVEL: 'silent' });
    const kms = await createKms(fresh, await freshStore());
    await expect(kms.ping()).resolves.toBeUndefined();
    const client = new KMSClient({
      endpoint: fresh.KMS_ENDPOINT,
      region: fresh.KMS_REGION,
      credentials: { accessKeyId: fresh.KMS_ACCESS_KEY_ID!, secretAccessKey: fresh.KMS_SECRET_ACCESS_KEY! },
    });
    const prefix = `alias/${fresh.CAAS_KMS_ALIAS_PREFIX}/${fresh.CAAS_NAMESPACE}`;
    for (const alias of [`${prefix}/ping`, `${prefix}/_deployment/canary`]) {
      await expect(client.send(new DescribeKeyCommand({ KeyId: alias }))).rejects.toMatchObject({ name: 'NotFoundException' });
    }
    // An app whose id is `ping` is an app like any other: no key until it has one.
    expect(await kms.describeKey('ping')).toBeNull();
    client.destroy();
    await kms.close();
  });
});

describe('AWS KMS adapter: start-up check (canary)', () => {
  /** A deployment of its own: a fresh alias namespace, so its canary is recorded by these tests. */
  const deployment = (env: Record<string, string> = {}) => loadConfig({ ...process.env, CAAS_NAMESPACE: `v${randomUUID().slice(0, 8)}`, CAAS_LOG_LEVEL: 'silent', ...env });
  const canaryOf = (where: StorePort) => where.collection<CanaryRecord>('kms_keys').findOne({ _id: CANARY_ID });
  const arnBehind = async (alias: string) => {
    const client = new KMSClient({
      endpoint: config.KMS_ENDPOINT,
      region: config.KMS_REGION,
      credentials: { accessKeyId: config.KMS_ACCESS_KEY_ID!, secretAccessKey: config.KMS_SECRET_ACCESS_KEY! },
    });
    try {
      return (await client.send(new DescribeKeyCommand({ KeyId: alias }))).KeyMetadata?.Arn;
    } finally {
      client.destroy();
    }
  };

  it('records a canary on first start (key, alias, endpoint, check value; never the plaintext); a later start on the same store and KMS verifies', async () => {
    const where = await freshStore();
    const cfg = deployment();
    const first = await createKms(cfg, where);
    await first.verify();
    const record = await canaryOf(where);
    const alias = `alias/${cfg.CAAS_KMS_ALIAS_PREFIX}/${cfg.CAAS_NAMESPACE}/_deployment/canary`;
    expect(record).toMatchObject({ alias, endpoint: cfg.KMS_ENDPOINT, region: cfg.KMS_REGION, check: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(record!.keyId).toBe(await arnBehind(alias));
    expect(Buffer.from(record!.ciphertext, 'base64').length).toBeGreaterThan(32);
    await first.close();
    const second = await createKms(cfg, where);
    await expect(second.verify()).resolves.toBeUndefined();
    await second.ensureKey('app_after_restart');
    expect(await canaryOf(where)).toEqual(record);
    await second.close();
  });

  it('refuses (ConfigError) a start on the same store with another alias prefix, naming both sides, and creates no key there', async () => {
    const where = await freshStore();
    const cfg = deployment();
    const first = await createKms(cfg, where);
    await first.verify();
    await first.close();
    const record = (await canaryOf(where))!;
    const other = await createKms({ ...cfg, CAAS_KMS_ALIAS_PREFIX: 'elsewhere' }, where);
    const refused = other.verify();
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    const message = (await refused.catch((error: Error) => error.message)) as string;
    expect(message).toContain(`the KMS at ${cfg.KMS_ENDPOINT} (region ${cfg.KMS_REGION}, alias prefix elsewhere/${cfg.CAAS_NAMESPACE}) is not the one this data was encrypted with`);
    expect(message).toContain(`it has no key alias/elsewhere/${cfg.CAAS_NAMESPACE}/_deployment/canary`);
    expect(message).toContain(`Recorded: key ${record.keyId} (${record.alias}) at ${cfg.KMS_ENDPOINT}, region ${cfg.KMS_REGION}, on ${new Date(record.createdAt).toISOString()}`);
    expect(message).toContain('Point KMS_ENDPOINT, KMS_REGION, the KMS credentials, CAAS_KMS_ALIAS_PREFIX and CAAS_NAMESPACE at that KMS');
    // Key operations wait for the check: nothing is written under the wrong KMS meanwhile.
    await expect(other.ensureKey('app_wrong_kms')).rejects.toBeInstanceOf(ConfigError);
    await expect(arnBehind(`alias/elsewhere/${cfg.CAAS_NAMESPACE}/app_wrong_kms`)).rejects.toMatchObject({ name: 'NotFoundException' });
    expect(await canaryOf(where)).toEqual(record);
    await other.close();
  });

  it('refuses (ConfigError) a canary record whose check value or wrapped key was altered', async () => {
    const where = await freshStore();
    const cfg = deployment();
    await (await createKms(cfg, where)).verify();
    const record = (await canaryOf(where))!;
    const canaries = where.collection<CanaryRecord>('kms_keys');
    await canaries.updateOne({ _id: CANARY_ID }, { $set: { check: '0000000000000000' } });
    const altered = (await createKms(cfg, where)).verify();
    await expect(altered).rejects.toBeInstanceOf(ConfigError);
    await expect(altered).rejects.toThrow(/decrypts to check value [0-9a-f]{16}, not the recorded 0000000000000000/);
    const bytes = Buffer.from(record.ciphertext, 'base64');
    bytes[bytes.length - 1]! ^= 0x01;
    await canaries.updateOne({ _id: CANARY_ID }, { $set: { check: record.check, ciphertext: bytes.toString('base64') } });
    const tampered = (await createKms(cfg, where)).verify();
    await expect(tampered).rejects.toBeInstanceOf(ConfigError);
    await expect(tampered).rejects.toThrow(/Decrypt of the recorded canary under .* was refused/);
  });

  it('two processes starting together on a fresh store agree on one canary', async () => {
    const where = await freshStore();
    const cfg = deployment();
    const [a, b] = await Promise.all([createKms(cfg, where), createKms(cfg, where)]);
    await expect(Promise.all([a.verify(), b.verify()])).resolves.toEqual([undefined, undefined]);
    const records = await where.collection<CanaryRecord>('kms_keys').find({});
    expect(records).toHaveLength(1);
    expect(records[0]!.keyId).toBe(await arnBehind(records[0]!.alias));
    await expect((await createKms(cfg, where)).verify()).resolves.toBeUndefined();
    await Promise.all([a.close(), b.close()]);
  });

  it('an unreachable or silent KMS is an outage (ENGINE_UNAVAILABLE, retried), not a ConfigError; the next verify tries again', async () => {
    const where = await freshStore();
    const cfg = deployment();
    await (await createKms(cfg, where)).verify();
    const closed = await createKms({ ...cfg, KMS_ENDPOINT: 'http://127.0.0.1:1' }, where);
    const refused = closed.verify();
    await expect(refused).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: expect.stringContaining('[kms:aws]') });
    await expect(refused).rejects.not.toBeInstanceOf(ConfigError);
    await closed.close();

    // A proxy that holds connections (a KMS that never answers) until told to forward them.
    const upstream = new URL(cfg.KMS_ENDPOINT!);
    let forward = false;
    const held: Socket[] = [];
    const proxy = createServer((socket) => {
      if (!forward) return void held.push(socket);
      const kms = connect(Number(upstream.port), upstream.hostname);
      socket.pipe(kms).pipe(socket);
      socket.on('error', () => kms.destroy());
      kms.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as { port: number };
    const silent = createAwsKms({
      endpoint: `http://127.0.0.1:${port}`,
      region: cfg.KMS_REGION,
      accessKeyId: cfg.KMS_ACCESS_KEY_ID!,
      secretAccessKey: cfg.KMS_SECRET_ACCESS_KEY!,
      aliasPrefix: `${cfg.CAAS_KMS_ALIAS_PREFIX}/${cfg.CAAS_NAMESPACE}`,
      store: where,
      timeoutMs: 200,
    });
    const timedOut = silent.verify();
    await expect(timedOut).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: expect.stringContaining('timed out') });
    await expect(timedOut).rejects.not.toBeInstanceOf(ConfigError);
    forward = true;
    await expect(silent.verify()).resolves.toBeUndefined();
    await silent.close();
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  });
});

describe('AWS KMS at process start-up (startServices)', () => {
  /** The store embedded in a data dir, KMS from the env: only the KMS engine is needed. */
  const started = (dataDir: string, namespace: string, env: Record<string, string> = {}) =>
    loadConfig({
      CAAS_DATA_DIR: dataDir,
      CAAS_NAMESPACE: namespace,
      CAAS_LOG_LEVEL: 'silent',
      KMS_ENDPOINT: config.KMS_ENDPOINT,
      KMS_REGION: config.KMS_REGION,
      KMS_ACCESS_KEY_ID: config.KMS_ACCESS_KEY_ID,
      KMS_SECRET_ACCESS_KEY: config.KMS_SECRET_ACCESS_KEY,
      ...env,
    });

  it('the engines\' prepare step runs the check: another alias prefix ends start-up with the ConfigError (onFatal, exit 78), an unreachable KMS is retried', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'caas-kms-aws-start-'));
    dirs.push(dataDir);
    const namespace = `s${randomUUID().slice(0, 8)}`;
    await stopServices(await startPreparedServices(domain, started(dataDir, namespace)));

    const fatal: ConfigError[] = [];
    const wrong = await startServices(domain, started(dataDir, namespace, { CAAS_KMS_ALIAS_PREFIX: 'elsewhere' }), {}, { onFatal: (error) => fatal.push(error) });
    try {
      await expect(wrong.startup.prepared).rejects.toBeInstanceOf(ConfigError);
      await eventually(async () => fatal.length, (n) => n === 1, 'onFatal');
      expect(fatal[0]!.message).toContain(`alias prefix elsewhere/${namespace}) is not the one this data was encrypted with`);
    } finally {
      await stopServices(wrong);
    }

    const down = await startServices(domain, started(dataDir, namespace, { KMS_ENDPOINT: 'http://127.0.0.1:1' }), {}, { onFatal: (error) => fatal.push(error) });
    try {
      await eventually(async () => down.startup.lastError, (error) => error !== null, 'a logged retry', 20_000);
      expect(down.startup.lastError).toContain('[kms:aws]');
      expect(down.startup.done).toBe(false);
      expect(fatal).toHaveLength(1);
    } finally {
      await stopServices(down);
    }

    // The right configuration still starts.
    await stopServices(await startPreparedServices(domain, started(dataDir, namespace)));
  }, 60_000);
});
