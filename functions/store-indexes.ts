import type { IndexDeclaration } from '../infra/store/port.ts';
import { appIndexes } from './apps/apps.ts';
import { userIndexes } from './users/users.ts';
import { idempotencyIndexes } from '../runtime/http/idempotency.ts';
import { conversationIndexes } from './conversations/conversations.ts';
import { eventIndexes } from './events/events.ts';
import { messageIndexes } from './messages/messages.ts';
import { blockIndexes } from './moderation/blocks.ts';
import { flagIndexes } from './moderation/flags.ts';
import { mediaIndexes } from './media/media-records.ts';
import { auditIndexes } from './audit/audit-indexes.ts';
import { consentIndexes } from './consents/consents.ts';
import { gdprIndexes } from './gdpr/gdpr-jobs.ts';
import { downloadIndexes } from './gdpr/export-downloads.ts';
import { holdIndexes } from './retention/legal-holds.ts';
import { dataKeyIndexes } from './crypto/data-keys.ts';
import { rotationIndexes } from './keys/rotations.ts';
import { appEventIndexes } from './event-stream/app-event-log.ts';
import { deliveryIndexes } from './webhooks/deliveries.ts';
import { webhookIndexes } from './webhooks/webhooks.ts';
import { scheduledIndexes } from './scheduled/scheduled.ts';

/** Every index the domain needs; created at startup by every process (see runtime/platform.ts). */
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
  ...auditIndexes,
  ...consentIndexes,
  ...gdprIndexes,
  ...downloadIndexes,
  ...holdIndexes,
  ...dataKeyIndexes,
  ...rotationIndexes,
  ...webhookIndexes,
  ...deliveryIndexes,
  ...appEventIndexes,
  ...scheduledIndexes,
];

