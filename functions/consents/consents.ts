import { z } from 'zod';
import type { IndexDeclaration, StorePort } from '../../infra/store/port.ts';
import { newId } from '../../runtime/ids.ts';

/**
 * Consents per user and purpose, kept as an append-only history: every grant or withdrawal is a
 * new record with its time, source and policy version; the current state of a purpose is its
 * latest record. The router audits every change (PUT), like every other write.
 */
export const CONSENTS = 'consents';

export const consentIndexes: IndexDeclaration[] = [
  { collection: CONSENTS, specs: [{ name: 'app_user_purpose_at', keys: { appId: 1, userId: 1, purpose: 1, at: 1 } }] },
];

export const Purpose = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'lowercase letters, digits, _ . -; at most 64');

export const ConsentChange = z.strictObject({
  status: z.enum(['granted', 'withdrawn']),
  /** Where the decision was taken: "signup-form", "settings", "support-ticket-123"… */
  source: z.string().min(1).max(200),
  policyVersion: z.string().min(1).max(64),
});
export type ConsentChange = z.infer<typeof ConsentChange>;

export interface ConsentDoc extends ConsentChange {
  _id: string;
  appId: string;
  userId: string;
  purpose: string;
  at: number;
  [key: string]: unknown;
}

export const ConsentView = z.object({
  purpose: z.string(),
  status: z.enum(['granted', 'withdrawn']),
  source: z.string(),
  policyVersion: z.string(),
  at: z.number(),
});
export type ConsentView = z.infer<typeof ConsentView>;

export function toConsentView({ purpose, status, source, policyVersion, at }: ConsentDoc): ConsentView {
  return { purpose, status, source, policyVersion, at };
}

export async function recordConsent(store: StorePort, appId: string, userId: string, purpose: string, change: ConsentChange, now: number): Promise<ConsentDoc> {
  return store.collection<ConsentDoc>(CONSENTS).insertOne({ _id: newId('cns', now), appId, userId, purpose, ...change, at: now });
}

/** Every record of a user's consents (one purpose or all), oldest first. */
export async function consentHistory(store: StorePort, appId: string, userId: string, purpose?: string): Promise<ConsentDoc[]> {
  const filter = purpose ? { appId, userId, purpose } : { appId, userId };
  return store.collection<ConsentDoc>(CONSENTS).find(filter, { sort: { at: 1, _id: 1 } });
}

/** The latest record of each purpose. */
export function currentConsents(history: ConsentDoc[]): ConsentDoc[] {
  const latest = new Map<string, ConsentDoc>();
  for (const record of history) latest.set(record.purpose, record);
  return [...latest.values()].sort((a, b) => a.purpose.localeCompare(b.purpose));
}

export async function forgetConsents(store: StorePort, appId: string, userId: string): Promise<number> {
  return store.collection<ConsentDoc>(CONSENTS).deleteMany({ appId, userId });
}
