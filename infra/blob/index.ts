/** Blob port factory: S3/MinIO when S3_ENDPOINT is set (bucket ensured on first use), else local files behind signed URLs. */
import { join } from 'node:path';
import { systemClock, type Clock } from '../../runtime/clock.ts';
import { publicUrl, type Config } from '../../runtime/config.ts';
import { AppError, isAppError } from '../../runtime/errors.ts';
import { LocalBlob } from './local.ts';
import type { BlobPort } from './port.ts';
import { blobSigningSecret } from './signing-secret.ts';

/**
 * In local mode the returned adapter is a LocalBlob: the HTTP runtime mounts its `handle` at
 * `/blob/*` (check with `instanceof LocalBlob`).
 */
export async function createBlob(config: Config, clock: Clock = systemClock): Promise<BlobPort> {
  if (config.S3_ENDPOINT) {
    // Explicit keys only: the SDK's fallback credential chain would probe cloud metadata endpoints.
    if (!config.S3_ACCESS_KEY_ID || !config.S3_SECRET_ACCESS_KEY) {
      throw new AppError('ENGINE_UNAVAILABLE', '[blob:s3] S3_ENDPOINT is set, so S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required');
    }
    // Loaded only here: local mode (and its start-up time) never pays for the AWS SDK.
    const { createS3Blob } = await import('./s3.ts');
    return createS3Blob({
      endpoint: config.S3_ENDPOINT,
      region: config.S3_REGION,
      bucket: config.S3_BUCKET,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      ...(config.S3_PUBLIC_ENDPOINT ? { publicEndpoint: config.S3_PUBLIC_ENDPOINT } : {}),
      ...(config.S3_SERVER_SIDE_ENCRYPTION === 'AES256' ? { serverSideEncryption: 'AES256' as const } : {}),
    });
  }
  const dir = join(config.CAAS_DATA_DIR, 'blobs');
  try {
    const secret = await blobSigningSecret(dir, config.CAAS_MASTER_KEY);
    return new LocalBlob({ dir, baseUrl: () => publicUrl(config), secret, clock });
  } catch (error) {
    if (isAppError(error)) throw error;
    throw new AppError('ENGINE_UNAVAILABLE', `[blob:local] cannot prepare ${dir}: ${(error as Error).message}`, { cause: error });
  }
}
