import { z } from 'zod';
import type { IndexDeclaration, StorePort } from '../../infra/store/port.ts';
import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import { CustomData } from '../custom-data.ts';

/** Users belong to exactly one app; their ids are chosen by the customer. */
export interface UserDoc {
  /** `${appId}:${userId}`: one namespace per app. */
  _id: string;
  appId: string;
  userId: string;
  name: string | null;
  image: string | null;
  custom: Record<string, unknown>;
  role: 'user' | 'admin';
  /** Tokens carrying a lower `tv` claim are refused: bumping it revokes every token. */
  tokenVersion: number;
  /** App-wide ban: may read, may not send, until then (null: not banned; Infinity is stored as a far date). */
  bannedUntil?: number | null;
  banReason?: string | null;
  /** Shadow ban: sends succeed, but only the author sees the messages. */
  shadowBanned?: boolean;
  createdAt: number;
  updatedAt: number;
  [key: string]: unknown;
}

export const USERS = 'users';

export const userIndexes: IndexDeclaration[] = [
  { collection: USERS, specs: [{ keys: { appId: 1, userId: 1 }, unique: true }, { keys: { appId: 1, createdAt: 1 } }] },
];

export const UserId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.@|-]+$/, 'may contain letters, digits and _ . @ | -');


export const UserProfileInput = z.strictObject({
  name: z.string().max(256).nullable().optional(),
  image: z.url().max(2048).nullable().optional(),
  custom: CustomData.optional(),
  role: z.enum(['user', 'admin']).optional(),
});
export type UserProfileInput = z.infer<typeof UserProfileInput>;

export const UserView = z.object({
  id: z.string(),
  name: z.string().nullable(),
  image: z.string().nullable(),
  custom: z.record(z.string(), z.unknown()),
  role: z.enum(['user', 'admin']),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type UserView = z.infer<typeof UserView>;

export function userKey(appId: string, userId: string): string {
  return `${appId}:${userId}`;
}

export function toUserView(user: UserDoc): UserView {
  return {
    id: user.userId,
    name: user.name,
    image: user.image,
    custom: user.custom,
    role: user.role,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

export async function findUser(store: StorePort, appId: string, userId: string): Promise<UserDoc | null> {
  return store.collection<UserDoc>(USERS).findOne({ _id: userKey(appId, userId), appId });
}

const userReadKey = (appId: string, userId: string) => `user:${appId}:${userId}`;

/** findUser through the read cache: the request path (authentication, send policy). */
export function readUser(services: Services, appId: string, userId: string): Promise<UserDoc | null> {
  return services.reads.read(userReadKey(appId, userId), () => findUser(services.ports.store, appId, userId));
}

/** Every write to a user calls this once it has committed, so cached reads everywhere drop it. */
export function userChanged(services: Services, appId: string, userId: string): Promise<void> {
  return services.reads.invalidate(userReadKey(appId, userId));
}

export async function requireUser(store: StorePort, appId: string, userId: string): Promise<UserDoc> {
  const user = await findUser(store, appId, userId);
  if (!user) throw new AppError('NOT_FOUND', `User ${userId} not found`);
  return user;
}

function profileSet(input: UserProfileInput): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}

/** Creates the user or replaces the given profile fields; returns whether it was created. */
export async function upsertUser(
  services: Services,
  appId: string,
  userId: string,
  input: UserProfileInput,
): Promise<{ user: UserDoc; created: boolean }> {
  const now = services.clock.now();
  const before = await services.ports.store.collection<UserDoc>(USERS).findOneAndUpdate(
    { _id: userKey(appId, userId), appId },
    {
      $set: { ...profileSet(input), updatedAt: now },
      $setOnInsert: {
        userId,
        createdAt: now,
        tokenVersion: 0,
        ...(input.name === undefined ? { name: null } : {}),
        ...(input.image === undefined ? { image: null } : {}),
        ...(input.custom === undefined ? { custom: {} } : {}),
        ...(input.role === undefined ? { role: 'user' } : {}),
      },
    },
    { upsert: true, returnDocument: 'before' },
  );
  await userChanged(services, appId, userId);
  const user = await requireUser(services.ports.store, appId, userId);
  return { user, created: before === null };
}

export async function patchUser(
  services: Services,
  appId: string,
  userId: string,
  input: UserProfileInput,
): Promise<UserDoc> {
  const updated = await services.ports.store
    .collection<UserDoc>(USERS)
    .findOneAndUpdate(
      { _id: userKey(appId, userId), appId },
      { $set: { ...profileSet(input), updatedAt: services.clock.now() } },
      { returnDocument: 'after' },
    );
  if (!updated) throw new AppError('NOT_FOUND', `User ${userId} not found`);
  await userChanged(services, appId, userId);
  return updated;
}

/** Invalidates every token issued so far; returns the new version. */
export async function revokeTokens(services: Services, appId: string, userId: string): Promise<number> {
  const updated = await services.ports.store
    .collection<UserDoc>(USERS)
    .findOneAndUpdate(
      { _id: userKey(appId, userId), appId },
      { $inc: { tokenVersion: 1 }, $set: { updatedAt: services.clock.now() } },
      { returnDocument: 'after' },
    );
  if (!updated) throw new AppError('NOT_FOUND', `User ${userId} not found`);
  await userChanged(services, appId, userId);
  return updated.tokenVersion;
}

/** Bus topic of user lifecycle events (`user.deleted`): consumers erase what belonged to the user (media, …). */
export const USER_EVENTS_TOPIC = 'user-events';

export interface UserDeletedEvent {
  type: 'user.deleted';
  appId: string;
  userId: string;
  at: number;
}

export async function deleteUser(services: Services, appId: string, userId: string): Promise<void> {
  const deleted = await services.ports.store.collection<UserDoc>(USERS).deleteOne({ _id: userKey(appId, userId), appId });
  if (deleted === 0) throw new AppError('NOT_FOUND', `User ${userId} not found`);
  await userChanged(services, appId, userId);
  const event: UserDeletedEvent = { type: 'user.deleted', appId, userId, at: services.clock.now() };
  await services.ports.bus.publish(USER_EVENTS_TOPIC, [{ key: userKey(appId, userId), value: JSON.stringify(event), headers: { appId, type: event.type } }]);
}
