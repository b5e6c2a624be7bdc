import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import type { Access } from '../conversations/conversations.ts';
import { isBanned } from '../moderation/bans.ts';
import { isBlockedBetween } from '../moderation/blocks.ts';
import { readUser, type UserDoc } from '../users/users.ts';

/**
 * Who may post into a conversation right now: the checks every send (and edit) passes, in the
 * order that gives the clearest answer. Returns the author, for shadow-ban handling.
 */
export async function checkMayPost(services: Services, access: Access): Promise<UserDoc | null> {
  if (access.userId === null) return null;
  const { conversation, member } = access;
  const now = services.clock.now();
  if (!member) throw new AppError('FORBIDDEN', 'Only members may post; join the channel first');
  const author = await readUser(services, conversation.appId, access.userId);
  if (!author) throw new AppError('NOT_FOUND', `User ${access.userId} not found`);
  if (isBanned(author, now)) throw new AppError('FORBIDDEN', 'This user is banned from the app');
  if (member.mutedUntil !== null && member.mutedUntil > now) throw new AppError('FORBIDDEN', 'This member is muted in this conversation');
  if (conversation.type === 'direct' && conversation.directKey) {
    const other = conversation.directKey.split('|').find((id) => id !== access.userId) ?? access.userId;
    if (await isBlockedBetween(services, conversation.appId, access.userId, other)) {
      throw new AppError('FORBIDDEN', 'One of these users has blocked the other');
    }
  }
  return author;
}

/**
 * What a ban stops: everything other members would see (sending, editing, reacting, joining
 * channels). Reading is left alone: a banned user keeps read access to the conversations they
 * are a member of (see README, "Who may read what").
 */
export async function refuseIfBanned(services: Services, appId: string, userId: string | null): Promise<void> {
  if (userId === null) return;
  const user = await readUser(services, appId, userId);
  if (user && isBanned(user, services.clock.now())) throw new AppError('FORBIDDEN', 'This user is banned from the app');
}

/** Slow mode: one message per member per cooldown; owners and admins are exempt. */
export async function checkSlowMode(services: Services, access: Access): Promise<void> {
  const seconds = access.conversation.slowModeSeconds;
  if (seconds <= 0 || access.isModerator || access.userId === null) return;
  const key = `caas:slow:${access.conversation._id}:${access.userId}`;
  const first = await services.ports.cache.set(key, '1', { ifAbsent: true, ttlMs: seconds * 1000 });
  if (first) return;
  const waitMs = Math.max(await services.ports.cache.ttl(key), 1);
  throw new AppError('RATE_LIMITED', `Slow mode: one message every ${seconds} s`, {
    headers: { 'Retry-After': String(Math.ceil(waitMs / 1000)) },
  });
}
