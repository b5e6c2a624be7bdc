/** Media: presigned uploads, verification, downloads for those who may see them, limits and usage. */
import completeUpload from './complete-upload.ts';
import createUpload from './create-upload.ts';
import getMedia from './get-media.ts';
import getUsage from './get-usage.ts';
import { getMediaSettingsFunction, putMediaSettingsFunction } from './media-settings.ts';

// The fixed paths (/v1/media/usage, /v1/media/settings) come before /v1/media/:mediaId, which would match them too.
export const mediaFunctions = [createUpload, getUsage, getMediaSettingsFunction, putMediaSettingsFunction, completeUpload, getMedia];
