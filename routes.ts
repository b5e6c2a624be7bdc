import { appFunctions } from './functions/apps/index.ts';
import { auditFunctions } from './functions/audit/index.ts';
import { consentFunctions } from './functions/consents/index.ts';
import { gdprFunctions } from './functions/gdpr/index.ts';
import { retentionFunctions } from './functions/retention/index.ts';
import { conversationFunctions } from './functions/conversations/index.ts';
import { eventFunctions } from './functions/events/index.ts';
import { keyFunctions } from './functions/keys/index.ts';
import { mediaFunctions } from './functions/media/index.ts';
import { messageFunctions } from './functions/messages/index.ts';
import { moderationFunctions } from './functions/moderation/index.ts';
import { scheduledFunctions } from './functions/scheduled/index.ts';
import { searchFunctions } from './functions/search/index.ts';
import { userFunctions } from './functions/users/index.ts';
import { eventStreamFunctions } from './functions/event-stream/index.ts';
import { hookFunctions } from './functions/hooks/index.ts';
import { webhookFunctions } from './functions/webhooks/index.ts';
import type { AnyFunctionDefinition } from './runtime/define-function.ts';

/**
 * Every function the router serves. esbuild bundles this list as the router, and each entry alone
 * as its own deployable (see esbuild.config.ts); a test checks that every function file is here.
 */
export const functions: AnyFunctionDefinition[] = [
  ...appFunctions,
  ...userFunctions,
  ...conversationFunctions,
  ...messageFunctions,
  ...scheduledFunctions,
  ...eventFunctions,
  ...moderationFunctions,
  ...searchFunctions,
  ...mediaFunctions,
  ...auditFunctions,
  ...consentFunctions,
  ...gdprFunctions,
  ...retentionFunctions,
  ...keyFunctions,
  ...webhookFunctions,
  ...hookFunctions,
  ...eventStreamFunctions,
];
