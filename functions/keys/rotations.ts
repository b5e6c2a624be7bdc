import type { IndexDeclaration } from '../../infra/store/port.ts';
import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import type { Envelope, RewrapProgress } from '../crypto/envelope.ts';
import { envelopeOf } from '../crypto/sealed-store.ts';

/**
 * Key rotation for an app: a new KEK version serves new writes at once (this process; the others
 * within the envelope's current-key TTL), then the older data keys are re-wrapped in the
 * background, in batches, recording progress on the rotation's row. Nothing is re-encrypted and
 * nothing stops: data keys stay the same, only their wrapping moves to the new version.
 */
export const KEY_ROTATIONS = 'crypto_key_rotations';

export interface RotationDoc {
  [field: string]: unknown;
  /** `${appId}:v${version}` */
  _id: string;
  appId: string;
  fromVersion: number;
  version: number;
  requestedAt: number;
  finishedAt: number | null;
  /** Data keys re-wrapped so far / live data keys of the app (see RewrapProgress). */
  onCurrentVersion: number;
  total: number;
  error: string | null;
}

export const rotationIndexes: IndexDeclaration[] = [{ collection: KEY_ROTATIONS, specs: [{ keys: { appId: 1, version: 1 } }] }];

export function requireEnvelope(services: Services): Envelope {
  const envelope = envelopeOf(services.ports.store);
  if (!envelope) throw new AppError('INTERNAL', 'encryption at rest is not wired into this process (domain.sealPorts)');
  return envelope;
}

export async function rotateAppKey(services: Services, appId: string): Promise<{ rotation: RotationDoc; rewrapped: Promise<void> }> {
  const envelope = requireEnvelope(services);
  const before = await services.ports.kms.ensureKey(appId);
  const info = await envelope.rotate(appId);
  const rows = services.ports.store.collection<RotationDoc>(KEY_ROTATIONS);
  const start = await envelope.progress(appId, info.currentVersion);
  const rotation: RotationDoc = {
    _id: `${appId}:v${info.currentVersion}`,
    appId,
    fromVersion: before.currentVersion,
    version: info.currentVersion,
    requestedAt: services.clock.now(),
    finishedAt: null,
    onCurrentVersion: start.onCurrentVersion,
    total: start.total,
    error: null,
  };
  await rows.insertOne(rotation);
  const record = (progress: RewrapProgress) =>
    rows.updateOne({ _id: rotation._id }, { $set: { onCurrentVersion: progress.onCurrentVersion, total: progress.total } }).then(() => undefined);
  // In the background: the caller answers at once; GET /v1/keys and /v1/keys/rotations show progress.
  const rewrapped = envelope
    .rewrap(appId, { batchSize: 100, onProgress: (progress) => void record(progress).catch(() => undefined) })
    .then(async (progress) => {
      await rows.updateOne({ _id: rotation._id }, { $set: { onCurrentVersion: progress.onCurrentVersion, total: progress.total, finishedAt: services.clock.now() } });
    })
    .catch(async (error: unknown) => {
      services.log.error({ err: error, appId }, 'key rotation: re-wrap failed; rotate again to resume');
      await rows.updateOne({ _id: rotation._id }, { $set: { error: error instanceof Error ? error.message : String(error) } }).catch(() => undefined);
    });
  return { rotation, rewrapped };
}

export function listRotations(services: Services, appId: string): Promise<RotationDoc[]> {
  return services.ports.store.collection<RotationDoc>(KEY_ROTATIONS).find({ appId }, { sort: { version: -1 }, limit: 100 });
}
