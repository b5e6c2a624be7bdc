/** Bans, block lists, flags and the review queue, the word blocklist. */
import { banUserFunction, unbanUserFunction } from './ban-user.ts';
import { getBlocklistFunction, putBlocklistFunction } from './blocklist.ts';
import { blockUserFunction, listBlocksFunction, unblockUserFunction } from './block-users.ts';
import { flagMessageFunction, listFlagsFunction, resolveFlagFunction } from './flag-message.ts';

export const moderationFunctions = [
  banUserFunction,
  unbanUserFunction,
  blockUserFunction,
  unblockUserFunction,
  listBlocksFunction,
  flagMessageFunction,
  listFlagsFunction,
  resolveFlagFunction,
  getBlocklistFunction,
  putBlocklistFunction,
];
