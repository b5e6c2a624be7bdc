import { z } from 'zod';
import type { KekInfo } from '../../infra/kms/port.ts';
import type { RewrapProgress } from '../crypto/envelope.ts';
import type { RotationDoc } from './rotations.ts';

/** Key metadata only: never key material. */
export const RotationView = z.object({
  version: z.number(),
  fromVersion: z.number(),
  requestedAt: z.number(),
  finishedAt: z.number().nullable(),
  rewrapped: z.number(),
  total: z.number(),
  error: z.string().nullable(),
});

export const KeysView = z.object({
  appId: z.string(),
  keyId: z.string(),
  currentVersion: z.number(),
  versions: z.array(z.object({ version: z.number(), createdAt: z.number() })),
  dataKeys: z.object({ total: z.number(), onCurrentVersion: z.number(), shredded: z.number(), rewrapDone: z.boolean() }),
});

export const toRotationView = (row: RotationDoc): z.infer<typeof RotationView> => ({
  version: row.version,
  fromVersion: row.fromVersion,
  requestedAt: row.requestedAt,
  finishedAt: row.finishedAt,
  rewrapped: row.onCurrentVersion,
  total: row.total,
  error: row.error,
});

export const toKeysView = (info: KekInfo, progress: RewrapProgress): z.infer<typeof KeysView> => ({
  appId: info.appId,
  keyId: info.keyId,
  currentVersion: info.currentVersion,
  versions: info.versions.map(({ version, createdAt }) => ({ version, createdAt })),
  dataKeys: { total: progress.total, onCurrentVersion: progress.onCurrentVersion, shredded: progress.shredded, rewrapDone: progress.done },
});
