/** Retention policies (per app and per conversation) and legal holds. */
import getPolicies from './get-policies.ts';
import liftHold from './lift-hold.ts';
import listHolds from './list-holds.ts';
import placeHold from './place-hold.ts';
import putAppPolicy from './put-app-policy.ts';
import putConversationPolicy from './put-conversation-policy.ts';

export const retentionFunctions = [putAppPolicy, putConversationPolicy, getPolicies, placeHold, listHolds, liftHold];
