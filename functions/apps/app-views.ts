import { z } from 'zod';
import type { AppDoc, IssuedServerKey, ServerKeyDoc } from './apps.ts';

export const AppId = z.string().regex(/^app_[0-9a-z]{26}$/, 'must be an app id (app_…)');
export const KeyId = z.string().regex(/^key_[0-9a-z]{26}$/, 'must be a key id (key_…)');

export const Origin = z
  .string()
  .regex(/^https?:\/\/[^/\s]+$/, 'must be an origin like https://example.com (scheme and host, no path)');

export const AppView = z.object({
  id: z.string(),
  name: z.string(),
  allowedOrigins: z.array(z.string()),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export const ServerKeyView = z.object({
  id: z.string(),
  name: z.string(),
  hint: z.string(),
  createdAt: z.number(),
  revokedAt: z.number().nullable(),
});

export const IssuedServerKeyView = z.object({
  id: z.string(),
  name: z.string(),
  secret: z.string().describe('The full key. Shown once; store it now.'),
  hint: z.string(),
  createdAt: z.number(),
});

export function toAppView(app: AppDoc): z.infer<typeof AppView> {
  return { id: app._id, name: app.name, allowedOrigins: app.allowedOrigins, createdAt: app.createdAt, updatedAt: app.updatedAt };
}

export function toServerKeyView(key: ServerKeyDoc): z.infer<typeof ServerKeyView> {
  return { id: key._id, name: key.name, hint: key.hint, createdAt: key.createdAt, revokedAt: key.revokedAt };
}

export function toIssuedKeyView(key: IssuedServerKey): z.infer<typeof IssuedServerKeyView> {
  return { id: key.id, name: key.name, secret: key.secret, hint: key.hint, createdAt: key.createdAt };
}
