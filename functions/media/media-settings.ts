import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { mediaLimits, PLATFORM_MAX_BYTES, saveMediaLimits, type MediaLimitsDoc } from './media-limits.ts';
import { KNOWN_MEDIA_TYPES } from './media-types.ts';

const MediaSettingsView = z.object({
  maxBytes: z.number(),
  allowedTypes: z.array(z.string()),
  /** Every type the platform can verify; allowedTypes is a subset. */
  knownTypes: z.array(z.string()),
});

function toSettingsView(limits: MediaLimitsDoc): z.infer<typeof MediaSettingsView> {
  return { maxBytes: limits.maxBytes, allowedTypes: limits.allowedTypes, knownTypes: [...KNOWN_MEDIA_TYPES] };
}

export const getMediaSettingsFunction = defineFunction({
  name: 'media.settings.get',
  method: 'GET',
  path: '/v1/media/settings',
  auth: 'server',
  summary: "The app's upload limits: largest file and accepted content types",
  tags: ['media'],
  response: MediaSettingsView,
  handler: async (_input, ctx) => toSettingsView(await mediaLimits(ctx, callerAppId(ctx.caller))),
});

export const putMediaSettingsFunction = defineFunction({
  name: 'media.settings.put',
  method: 'PUT',
  path: '/v1/media/settings',
  auth: 'server',
  summary: 'Set the upload limits: largest file in bytes and the accepted content types (among the known ones)',
  tags: ['media'],
  body: z.strictObject({
    maxBytes: z.number().int().min(1).max(PLATFORM_MAX_BYTES),
    allowedTypes: z
      .array(z.string().refine((type) => KNOWN_MEDIA_TYPES.includes(type), 'not a media type the platform can verify (see knownTypes)'))
      .min(1)
      .max(KNOWN_MEDIA_TYPES.length),
  }),
  response: MediaSettingsView,
  handler: async ({ body }, ctx) => {
    const saved = await saveMediaLimits(ctx, callerAppId(ctx.caller), { maxBytes: body.maxBytes, allowedTypes: [...new Set(body.allowedTypes)] });
    return toSettingsView(saved);
  },
});

export default putMediaSettingsFunction;
