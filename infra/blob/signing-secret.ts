import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../runtime/errors.ts';

/**
 * The key that signs local blob URLs. Derived from CAAS_MASTER_KEY when there is one (so every
 * process sharing the master key accepts the same URLs); otherwise 32 random bytes kept in the
 * blob directory, so URLs handed out before a restart still work after it.
 */
const SECRET_FILE = 'url-signing.key';

export async function blobSigningSecret(blobDir: string, masterKey: string | undefined): Promise<Uint8Array> {
  if (masterKey) return createHmac('sha256', masterKey).update('caas/blob-url-signing/v1').digest();
  const path = join(blobDir, SECRET_FILE);
  await mkdir(blobDir, { recursive: true });
  try {
    await writeFile(path, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    // Already created (by an earlier run or a concurrent start): use that one.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
  if (secret.length < 32) {
    throw new AppError('ENGINE_UNAVAILABLE', `[blob:local] ${path} holds a key shorter than 32 bytes; delete it to generate a new one`);
  }
  return secret;
}
