import type { UserAccessChange } from '../functions/users/access-changes.ts';
import type { Logger } from '../runtime/logger.ts';
import { CLOSE } from './close-codes.ts';
import type { SubscriptionIndex } from './subscription-index.ts';

/** The handler for `caas:realtime:user-access`: closes the sockets of a user who lost access, with 4001. */
export function closeOnAccessChange(index: SubscriptionIndex, log: Logger): (raw: string) => void {
  return (raw) => {
    try {
      const change = JSON.parse(raw) as UserAccessChange;
      for (const connection of [...index.connectionsOf(change.appId, change.userId)]) connection.close(CLOSE.UNAUTHENTICATED, change.reason, 'unauthenticated');
    } catch (error) {
      log.error({ err: error }, 'access change not applied to sockets');
    }
  };
}
