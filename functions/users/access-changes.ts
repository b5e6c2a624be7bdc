import type { Services } from '../../runtime/context.ts';

/**
 * Announced on the cache pub/sub (every realtime node listens) when a user loses access: their
 * tokens were revoked, they were deleted or banned. Nodes close that user's sockets at once
 * instead of at the next heartbeat; a reconnect authenticates afresh.
 */
export const USER_ACCESS_CHANNEL = 'caas:realtime:user-access';

export interface UserAccessChange {
  appId: string;
  userId: string;
  reason: 'tokens_revoked' | 'deleted' | 'banned';
}

export async function announceAccessChange(services: Services, change: UserAccessChange): Promise<void> {
  await services.ports.cache.publish(USER_ACCESS_CHANNEL, JSON.stringify(change)).catch((error: unknown) => {
    services.log.warn({ err: error, ...change }, 'access change not announced; sockets close at their next heartbeat or token expiry');
  });
}
