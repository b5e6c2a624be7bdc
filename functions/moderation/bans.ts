import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import { USERS, userChanged, userKey, type UserDoc } from '../users/users.ts';

/** App-wide bans (with optional expiry) and shadow bans, kept on the user. */
export interface BanInput {
  /** Epoch ms when the ban ends; omitted = until lifted. */
  until?: number;
  reason?: string;
  /** Shadow ban: the user keeps sending, nobody else sees it. */
  shadow?: boolean;
}

const FOREVER = 8_640_000_000_000_000;

export async function banUser(services: Services, appId: string, userId: string, input: BanInput): Promise<UserDoc> {
  const changes = input.shadow
    ? { shadowBanned: true, banReason: input.reason ?? null }
    : { bannedUntil: input.until ?? FOREVER, banReason: input.reason ?? null };
  const user = await services.ports.store
    .collection<UserDoc>(USERS)
    .findOneAndUpdate({ _id: userKey(appId, userId), appId }, { $set: { ...changes, updatedAt: services.clock.now() } }, { returnDocument: 'after' });
  if (!user) throw new AppError('NOT_FOUND', `User ${userId} not found`);
  await userChanged(services, appId, userId);
  return user;
}

export async function unbanUser(services: Services, appId: string, userId: string): Promise<UserDoc> {
  const user = await services.ports.store
    .collection<UserDoc>(USERS)
    .findOneAndUpdate(
      { _id: userKey(appId, userId), appId },
      { $set: { bannedUntil: null, shadowBanned: false, banReason: null, updatedAt: services.clock.now() } },
      { returnDocument: 'after' },
    );
  if (!user) throw new AppError('NOT_FOUND', `User ${userId} not found`);
  await userChanged(services, appId, userId);
  return user;
}

export function isBanned(user: UserDoc, now: number): boolean {
  return typeof user.bannedUntil === 'number' && user.bannedUntil > now;
}

export function banView(user: UserDoc) {
  return {
    userId: user.userId,
    bannedUntil: typeof user.bannedUntil === 'number' && user.bannedUntil < FOREVER ? user.bannedUntil : null,
    banned: typeof user.bannedUntil === 'number',
    permanent: user.bannedUntil === FOREVER,
    shadowBanned: user.shadowBanned === true,
    reason: user.banReason ?? null,
  };
}
