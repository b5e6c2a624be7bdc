import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from './config.ts';
import { newSecret } from './ids.ts';

/**
 * Local mode: without CAAS_ADMIN_TOKEN, a token is generated once and kept in the data dir
 * (mode 0600), so it stays the same across restarts.
 */
export async function resolveAdminToken(config: Config): Promise<{ token: string; generated: boolean }> {
  if (config.CAAS_ADMIN_TOKEN) return { token: config.CAAS_ADMIN_TOKEN, generated: false };
  const file = join(config.CAAS_DATA_DIR, 'admin-token');
  const existing = await readFile(file, 'utf8').catch(() => null);
  if (existing && existing.trim().length >= 24) return { token: existing.trim(), generated: true };
  const token = `adm_${newSecret(32)}`;
  await mkdir(config.CAAS_DATA_DIR, { recursive: true });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return { token, generated: true };
}
