import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { domain } from '../../functions/domain.ts';
import { ConfigError, loadConfig } from '../../runtime/config.ts';
import { startPreparedServices, startServices, stopServices } from '../../runtime/platform.ts';
import { eventually } from '../support/eventually.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { trackChildren } from '../support/track-children.ts';

const root = join(import.meta.dirname, '..', '..');
const dirs = useTempDirs();
const children = trackChildren();

const KEY = 'startup-master-key-0123456789abcdef';
/** Cluster mode (S3_ENDPOINT is set) with the store still embedded in the data dir: no engine needed. */
const cluster = (dataDir: string, masterKey: string) => ({
  CAAS_DATA_DIR: dataDir,
  CAAS_MASTER_KEY: masterKey,
  CAAS_LOG_LEVEL: 'silent',
  S3_ENDPOINT: 'http://127.0.0.1:1',
  S3_ACCESS_KEY_ID: 'unused',
  S3_SECRET_ACCESS_KEY: 'unused',
});

describe('the master key at start-up in cluster mode', () => {
  it('a key other than the data was written with stops the process at once: exit 78, naming CAAS_MASTER_KEY and the key check value', async () => {
    const dataDir = await dirs.make('caas-wrong-key-');
    // The first start stores the key check value of KEY beside the data.
    await stopServices(await startPreparedServices(domain, loadConfig(cluster(dataDir, KEY))));

    // The router prepares its engines in the background (it does not await them): that loop must end the process.
    const run = children.spawn(process.execPath, ['--import', 'tsx', 'bin/router.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', ...cluster(dataDir, `${KEY}-other`) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    run.stderr!.on('data', (chunk) => (err += chunk));
    expect(await new Promise<number | null>((resolve) => run.once('exit', resolve))).toBe(78);
    expect(err).toContain('CAAS_MASTER_KEY: [kms:local] the master key from CAAS_MASTER_KEY is not the one this data was encrypted with');
    expect(err).toMatch(/key check value [0-9a-f]+, stored [0-9a-f]+/);

    // The right key still starts.
    await stopServices(await startPreparedServices(domain, loadConfig(cluster(dataDir, KEY))));
  }, 60_000);

  it('in process: the wrong key rejects `prepared` with the ConfigError and calls onFatal once, without retrying', async () => {
    const dataDir = await dirs.make('caas-wrong-key-');
    await stopServices(await startPreparedServices(domain, loadConfig(cluster(dataDir, KEY))));
    const fatal: ConfigError[] = [];
    const services = await startServices(domain, loadConfig(cluster(dataDir, `${KEY}-other`)), {}, { onFatal: (error) => fatal.push(error) });
    try {
      await expect(services.startup.prepared).rejects.toBeInstanceOf(ConfigError);
      await eventually(async () => fatal.length, (n) => n === 1, 'onFatal');
      expect(services.startup.done).toBe(false);
      expect(services.startup.lastError).toContain('is not the one this data was encrypted with');
    } finally {
      await stopServices(services);
    }
  });

  it('an unreachable store (where the key check value lives) is an outage: retried and reported, never fatal', async () => {
    const fatal: ConfigError[] = [];
    const config = loadConfig({ ...cluster(await dirs.make('caas-down-'), KEY), MONGO_URL: 'mongodb://127.0.0.1:1/caas' });
    const services = await startServices(domain, config, {}, { onFatal: (error) => fatal.push(error) });
    try {
      await eventually(async () => services.startup.lastError, (error) => error !== null, 'a logged retry', 20_000);
      expect(services.startup.done).toBe(false);
      expect(fatal).toEqual([]);
    } finally {
      await stopServices(services);
    }
  }, 30_000);
});
