import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import { KNOWN_MEDIA_TYPES } from './media-types.ts';

/**
 * Per-app upload limits, checked before any upload URL is issued. Apps without settings get the
 * defaults: 100 MB and every type the platform can verify (media-types.ts).
 */
export interface MediaLimitsDoc {
  /** The app id. */
  _id: string;
  maxBytes: number;
  allowedTypes: string[];
  updatedAt: number;
  [key: string]: unknown;
}

export const MEDIA_SETTINGS = 'media_settings';
export const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;
/** S3's single-PUT limit: presigned uploads cannot be larger. */
export const PLATFORM_MAX_BYTES = 5 * 1024 ** 3;

export async function mediaLimits(services: Services, appId: string): Promise<MediaLimitsDoc> {
  const found = await services.ports.store.collection<MediaLimitsDoc>(MEDIA_SETTINGS).findOne({ _id: appId });
  return found ?? { _id: appId, maxBytes: DEFAULT_MAX_BYTES, allowedTypes: [...KNOWN_MEDIA_TYPES], updatedAt: 0 };
}

export async function saveMediaLimits(
  services: Services,
  appId: string,
  limits: Pick<MediaLimitsDoc, 'maxBytes' | 'allowedTypes'>,
): Promise<MediaLimitsDoc> {
  const doc: MediaLimitsDoc = { _id: appId, ...limits, updatedAt: services.clock.now() };
  await services.ports.store.collection<MediaLimitsDoc>(MEDIA_SETTINGS).replaceOne({ _id: appId }, doc, { upsert: true });
  return doc;
}

/** Refuses a declared upload the app does not accept: 413 for size, 415 for type. */
export function checkDeclaredUpload(limits: MediaLimitsDoc, declared: { contentType: string; size: number }): void {
  if (!limits.allowedTypes.includes(declared.contentType)) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `contentType ${declared.contentType} is not accepted by this app; allowed: ${limits.allowedTypes.join(', ')}`, {
      issues: [{ path: 'body.contentType', message: 'not an allowed media type' }],
    });
  }
  if (declared.size > limits.maxBytes) {
    throw new AppError('PAYLOAD_TOO_LARGE', `size ${declared.size} exceeds this app's limit of ${limits.maxBytes} bytes`, {
      issues: [{ path: 'body.size', message: `at most ${limits.maxBytes} bytes` }],
    });
  }
}
