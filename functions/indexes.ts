import type { IndexSpec, StorePort } from '../infra/store/port.ts';
import { appIndexes } from './apps/apps.ts';
import { userIndexes } from './users/users.ts';
import { idempotencyIndexes } from '../runtime/http/idempotency.ts';
import { conversationIndexes } from './conversations/conversations.ts';
import { eventIndexes } from './events/events.ts';
import { messageIndexes } from './messages/messages.ts';
import { blockIndexes } from './moderation/blocks.ts';
import { flagIndexes } from './moderation/flags.ts';
import { mediaIndexes } from './media/media-records.ts';
import { dataKeyIndexes } from './crypto/data-keys.ts';

/** Indexes a domain module needs; created at startup by every process that serves functions. */
export interface IndexDeclaration {
  collection: string;
  specs: IndexSpec[];
}

export const allIndexes: IndexDeclaration[] = [
  ...appIndexes,
  ...userIndexes,
  ...idempotencyIndexes,
  ...conversationIndexes,
  ...eventIndexes,
  ...messageIndexes,
  ...blockIndexes,
  ...flagIndexes,
  ...mediaIndexes,
  ...dataKeyIndexes,
];

export async function ensureAllIndexes(store: StorePort): Promise<void> {
  for (const { collection, specs } of allIndexes) await store.ensureIndexes(collection, specs);
}
