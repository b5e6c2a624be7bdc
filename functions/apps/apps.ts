import { createHash, timingSafeEqual } from 'node:crypto';
import type { IndexDeclaration, StorePort } from '../../infra/store/port.ts';
import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import { newId, newSecret } from '../../runtime/ids.ts';

/** Tenancy: apps, their server keys and their JWT signing secrets. */
export interface AppDoc {
  _id: string;
  name: string;
  /** HS256 secret customers' backends sign user JWTs with; shown once, rotatable. */
  signingSecret: string;
  /** The secret replaced by the last rotation, still accepted until `previousSigningSecretUntil`. */
  previousSigningSecret?: string | null;
  previousSigningSecretUntil?: number | null;
  /** Origins allowed to open WebSockets and make browser calls; empty allows any. */
  allowedOrigins: string[];
  createdAt: number;
  updatedAt: number;
  [key: string]: unknown;
}

export interface ServerKeyDoc {
  _id: string;
  appId: string;
  name: string;
  /** SHA-256 of the whole key; the key itself is never stored. */
  hash: string;
  /** Last four characters, to tell keys apart in listings. */
  hint: string;
  createdAt: number;
  revokedAt: number | null;
  [key: string]: unknown;
}

export const APPS = 'apps';
export const SERVER_KEYS = 'server_keys';

export const appIndexes: IndexDeclaration[] = [
  { collection: SERVER_KEYS, specs: [{ keys: { hash: 1 }, unique: true }, { keys: { appId: 1, createdAt: 1 } }] },
];

const SERVER_KEY_PREFIX = 'sk_';

export function isServerKey(token: string): boolean {
  return token.startsWith(SERVER_KEY_PREFIX);
}

function hashKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export async function createApp(
  services: Services,
  input: { name: string; allowedOrigins?: string[] },
): Promise<{ app: AppDoc; serverKey: IssuedServerKey }> {
  const now = services.clock.now();
  const app: AppDoc = {
    _id: newId('app', now),
    name: input.name,
    signingSecret: newSecret(32),
    allowedOrigins: input.allowedOrigins ?? [],
    createdAt: now,
    updatedAt: now,
  };
  await services.ports.store.collection<AppDoc>(APPS).insertOne(app);
  const serverKey = await issueServerKey(services, app._id, 'default');
  return { app, serverKey };
}

export async function findApp(store: StorePort, appId: string): Promise<AppDoc | null> {
  return store.collection<AppDoc>(APPS).findOne({ _id: appId });
}

const appReadKey = (appId: string) => `app:${appId}`;
const serverKeyReadKey = (hash: string) => `server-key:${hash}`;

/** findApp through the read cache: the request path (authentication). */
export function readApp(services: Services, appId: string): Promise<AppDoc | null> {
  return services.reads.read(appReadKey(appId), () => findApp(services.ports.store, appId));
}

export async function requireApp(store: StorePort, appId: string): Promise<AppDoc> {
  const app = await findApp(store, appId);
  if (!app) throw new AppError('NOT_FOUND', `App ${appId} not found`);
  return app;
}

export interface IssuedServerKey {
  id: string;
  name: string;
  /** The full key; returned once, never stored. */
  secret: string;
  hint: string;
  createdAt: number;
}

export async function issueServerKey(services: Services, appId: string, name: string): Promise<IssuedServerKey> {
  const now = services.clock.now();
  const secret = `${SERVER_KEY_PREFIX}${newSecret(32)}`;
  const doc: ServerKeyDoc = {
    _id: newId('key', now),
    appId,
    name,
    hash: hashKey(secret),
    hint: secret.slice(-4),
    createdAt: now,
    revokedAt: null,
  };
  await services.ports.store.collection<ServerKeyDoc>(SERVER_KEYS).insertOne(doc);
  await services.reads.invalidate(serverKeyReadKey(doc.hash));
  return { id: doc._id, name, secret, hint: doc.hint, createdAt: now };
}

export async function listServerKeys(store: StorePort, appId: string): Promise<ServerKeyDoc[]> {
  return store.collection<ServerKeyDoc>(SERVER_KEYS).find({ appId }, { sort: { createdAt: 1 } });
}

export async function revokeServerKey(services: Services, appId: string, keyId: string): Promise<void> {
  const revoked = await services.ports.store
    .collection<ServerKeyDoc>(SERVER_KEYS)
    .updateOne({ _id: keyId, appId, revokedAt: null }, { $set: { revokedAt: services.clock.now() } });
  const key = await services.ports.store.collection<ServerKeyDoc>(SERVER_KEYS).findOne({ _id: keyId, appId });
  if (!key) throw new AppError('NOT_FOUND', `Key ${keyId} not found in app ${appId}`);
  if (revoked.matchedCount > 0) await services.reads.invalidate(serverKeyReadKey(key.hash));
}

/** The live key matching a presented secret, compared in constant time; through the read cache. */
export async function findLiveServerKey(services: Services, secret: string): Promise<ServerKeyDoc | null> {
  const hash = hashKey(secret);
  const key = await services.reads.read(serverKeyReadKey(hash), () => services.ports.store.collection<ServerKeyDoc>(SERVER_KEYS).findOne({ hash }));
  if (!key || key.revokedAt !== null) return null;
  return timingSafeEqual(Buffer.from(key.hash), Buffer.from(hash)) ? key : null;
}

/**
 * Replaces the signing secret. Tokens signed with the one it replaces stay valid for
 * CAAS_SIGNING_SECRET_OVERLAP_SECONDS, so a rotation does not log every user out at once.
 */
export async function rotateSigningSecret(services: Services, appId: string): Promise<{ signingSecret: string; previousSecretValidUntil: number | null }> {
  const app = await findApp(services.ports.store, appId);
  if (!app) throw new AppError('NOT_FOUND', `App ${appId} not found`);
  const now = services.clock.now();
  const overlapMs = services.config.CAAS_SIGNING_SECRET_OVERLAP_SECONDS * 1000;
  const previousSecretValidUntil = overlapMs > 0 ? now + overlapMs : null;
  const signingSecret = newSecret(32);
  const result = await services.ports.store.collection<AppDoc>(APPS).updateOne(
    { _id: appId },
    {
      $set: {
        signingSecret,
        previousSigningSecret: previousSecretValidUntil === null ? null : app.signingSecret,
        previousSigningSecretUntil: previousSecretValidUntil,
        updatedAt: now,
      },
    },
  );
  if (result.matchedCount === 0) throw new AppError('NOT_FOUND', `App ${appId} not found`);
  await services.reads.invalidate(appReadKey(appId));
  return { signingSecret, previousSecretValidUntil };
}

