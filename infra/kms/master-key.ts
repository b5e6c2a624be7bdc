import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, type Config } from '../../runtime/config.ts';

/**
 * Where the root of encryption at rest comes from. KMS_ENDPOINT selects AWS KMS; else
 * CAAS_MASTER_KEY; else, in local mode only, a key generated once into the data dir (mode 0600,
 * like the admin token). Cluster mode (any engine URL) never generates one: each process would
 * invent its own and none could read the others' data.
 */
export type KeySource =
  | { kind: 'aws' }
  | { kind: 'master-key'; key: string; from: 'CAAS_MASTER_KEY' }
  | { kind: 'master-key'; key: string; from: 'file'; file: string; generated: boolean }
  | { kind: 'missing' };

export const MASTER_KEY_FILE = 'master-key';

const ENGINE_VARS = ['MONGO_URL', 'REDIS_URL', 'KAFKA_BROKERS', 'ELASTICSEARCH_URL', 'S3_ENDPOINT'] as const;

/** The engine variable that puts this process in cluster mode, if any. */
export function clusterModeBy(config: Config): string | undefined {
  return ENGINE_VARS.find((name) => config[name] !== undefined);
}

export async function resolveKeySource(config: Config): Promise<KeySource> {
  if (config.KMS_ENDPOINT) return { kind: 'aws' };
  if (config.CAAS_MASTER_KEY) return { kind: 'master-key', key: config.CAAS_MASTER_KEY, from: 'CAAS_MASTER_KEY' };
  if (clusterModeBy(config)) return { kind: 'missing' };
  const file = join(config.CAAS_DATA_DIR, MASTER_KEY_FILE);
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (existing.length >= 32) return { kind: 'master-key', key: existing, from: 'file', file, generated: false };
  await mkdir(config.CAAS_DATA_DIR, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  try {
    await writeFile(file, `${key}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    // A concurrent start wrote it first: that one stands.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { kind: 'master-key', key: (await readFile(file, 'utf8')).trim(), from: 'file', file, generated: false };
  }
  return { kind: 'master-key', key, from: 'file', file, generated: true };
}

/**
 * Process entries call this before starting: cluster mode without CAAS_MASTER_KEY or KMS_ENDPOINT
 * is a configuration error naming both.
 */
export function assertKeyConfig(config: Config): void {
  const by = clusterModeBy(config);
  if (by && !config.CAAS_MASTER_KEY && !config.KMS_ENDPOINT) {
    throw new ConfigError([
      `CAAS_MASTER_KEY: required in cluster mode (${by} is set) for encryption at rest; or set KMS_ENDPOINT to use AWS KMS`,
    ]);
  }
}
