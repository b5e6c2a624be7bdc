/** Blob port factory: S3/MinIO when S3_ENDPOINT is set, else local files behind signed URLs. */
import { join } from 'node:path';
import { publicUrl, type Config } from '../../runtime/config.ts';
import { AppError, isAppError } from '../../runtime/errors.ts';
import { LocalBlob } from './local.ts';
import type { BlobPort } from './port.ts';
import { blobSigningSecret } from './signing-secret.ts';

/**
 * In local mode the returned adapter is a LocalBlob: the HTTP runtime mounts its `handle` at
 * `/blob/*` (check with `instanceof LocalBlob`).
 */
export async function createBlob(config: Config): Promise<BlobPort> {
  if (config.S3_ENDPOINT) {
    throw new AppError('ENGINE_UNAVAILABLE', '[blob] S3_ENDPOINT is set but the S3 adapter is not built yet');
  }
  const dir = join(config.CAAS_DATA_DIR, 'blobs');
  try {
    const secret = await blobSigningSecret(dir, config.CAAS_MASTER_KEY);
    return new LocalBlob({ dir, baseUrl: publicUrl(config), secret });
  } catch (error) {
    if (isAppError(error)) throw error;
    throw new AppError('ENGINE_UNAVAILABLE', `[blob:local] cannot prepare ${dir}: ${(error as Error).message}`, { cause: error });
  }
}
