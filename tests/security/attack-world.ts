import { createHash, randomBytes } from 'node:crypto';
import type { AnyFunctionDefinition, AuthKind } from '../../runtime/define-function.ts';
import type { ApiCall } from '../support/http-client.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import { createTestApp } from '../support/fixtures.ts';

/**
 * The world the generated attacks run in: two tenants, each with users, a group, a message, a
 * ready media item and a flag. Attacks act as tenant A and aim at tenant B's ids.
 */
export interface Tenant extends ChatWorld {
  ids: Record<string, string>;
}

export interface AttackWorld {
  adminToken: string;
  a: Tenant;
  b: Tenant;
}

async function readyMedia(call: ApiCall, token: string): Promise<string> {
  const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n', 'latin1'), randomBytes(200)]);
  const sha256 = createHash('sha256').update(bytes).digest('base64');
  const declared = await call('POST', '/v1/media/uploads', { token, body: { fileName: 'x.pdf', contentType: 'application/pdf', size: bytes.byteLength, sha256 } });
  await fetch(declared.body.upload.url, { method: 'PUT', headers: declared.body.upload.headers, body: new Uint8Array(bytes) });
  await call('POST', `/v1/media/${declared.body.id}/complete`, { token });
  return declared.body.id;
}

/**
 * Routes run with the right credentials too (injections, bodies), destructive ones included, so
 * the ids they name are sacrificial: a spare app (key revocation, secret rotation) and user `cy`.
 */
async function tenant(call: ApiCall, adminToken: string): Promise<Tenant> {
  const world = await createChatWorld(call, adminToken, ['ann', 'ben', 'cy']);
  const spare = await createTestApp(call, adminToken, 'spare');
  const ann = world.tokens.ann!;
  const conversationId = await createGroup(call, ann, ['ben', 'cy']);
  const mediaId = await readyMedia(call, ann);
  const message = await send(call, ann, conversationId, { text: 'tenant secret', attachments: [mediaId] });
  const flag = await call('POST', `/v1/messages/${message.body.id}/flags`, { token: world.tokens.ben!, body: { reason: 'spam' } });
  const flags = await call('GET', '/v1/moderation/flags', { token: world.app.serverKey });
  const flagId = flag.body?.id ?? flags.body?.flags?.[0]?.id ?? 'flag_unknown';
  return {
    ...world,
    ids: { appId: spare.appId, keyId: spare.keyId, conversationId, messageId: message.body.id, mediaId, flagId, userId: 'cy', emoji: '👍' },
  };
}

export async function createAttackWorld(call: ApiCall, adminToken: string): Promise<AttackWorld> {
  return { adminToken, a: await tenant(call, adminToken), b: await tenant(call, adminToken) };
}

/** Ids that name one tenant's resource anywhere in the platform (user ids are per app, so not among them). */
export const GLOBAL_ID_PARAMS = ['conversationId', 'messageId', 'mediaId', 'flagId'];

export function paramNames(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1]!);
}

export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => encodeURIComponent(values[name] ?? 'x'));
}

export type CredentialKind = 'none' | 'forged' | 'admin' | 'server' | 'user';

const ACCEPTED: Record<AuthKind, CredentialKind[]> = {
  admin: ['admin'],
  server: ['server'],
  user: ['user'],
  'server-or-user': ['server', 'user'],
  'admin-or-server': ['admin', 'server'],
  public: ['none', 'forged', 'admin', 'server', 'user'],
};

export const accepts = (definition: AnyFunctionDefinition, kind: CredentialKind) => ACCEPTED[definition.auth].includes(kind);

export function credential(world: AttackWorld, kind: CredentialKind, tenant: Tenant = world.a): string | undefined {
  switch (kind) {
    case 'none':
      return undefined;
    case 'forged':
      return 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhcHBfeCIsInN1YiI6ImFubiIsImF1ZCI6ImNhYXMiLCJleHAiOjk5OTk5OTk5OTl9.Zm9yZ2Vk';
    case 'admin':
      return world.adminToken;
    case 'server':
      return tenant.app.serverKey;
    case 'user':
      return tenant.tokens.ann;
  }
}

/** The credential a legitimate caller of this route would use, as tenant A. */
export function rightCredential(world: AttackWorld, definition: AnyFunctionDefinition): string | undefined {
  const kind: CredentialKind = definition.auth === 'admin' ? 'admin' : definition.auth === 'server' ? 'server' : definition.auth === 'public' ? 'none' : 'user';
  return credential(world, kind);
}

export const INJECTIONS = ["' OR '1'='1", '{"$gt":""}', '$where', '../../../etc/passwd', '<script>alert(1)</script>', '%00', '*', 'a'.repeat(3000)];

/** Fields a caller must never set: if a write accepts one, the stored resource must not carry it. */
export const MASS_ASSIGNMENT = {
  _id: 'MASS_ASSIGNED_ID', appId: 'MASS_ASSIGNED_APP', role: 'admin', tokenVersion: -7, uploaderId: 'MASS_ASSIGNED_UPLOADER',
  authorId: 'MASS_ASSIGNED_AUTHOR', createdBy: 'MASS_ASSIGNED_CREATOR', shadowed: true, status: 'ready',
};

/** The mass-assignment body as JSON text, with a `__proto__` key (an object literal would not keep one). */
export const massAssignmentBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ...extra, ...MASS_ASSIGNMENT }).replace(/^\{/, '{"__proto__":{"polluted":"MASS_ASSIGNED_PROTO"},"constructor":{"prototype":{"polluted":"MASS_ASSIGNED_PROTO"}},');
