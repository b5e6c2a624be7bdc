import { z } from 'zod';
import type { StorePort } from '../../infra/store/port.ts';

/**
 * Retention policies: per app, and per conversation (which overrides the app's): messages and
 * their media older than `maxAgeDays` are deleted or redacted (text, attachments, edit history and
 * event payloads emptied, the message row kept) by the retention sweeper.
 */
export const RETENTION_POLICIES = 'retention_policies';
export const DAY_MS = 86_400_000;

export const PolicyInput = z.strictObject({
  maxAgeDays: z.number().int().min(1).max(36_500),
  action: z.enum(['delete', 'redact']),
});
export type PolicyInput = z.infer<typeof PolicyInput>;

export interface PolicyDoc extends PolicyInput {
  /** `appId` for the app's policy, `appId:conversationId` for a conversation's. */
  _id: string;
  appId: string;
  conversationId: string | null;
  updatedAt: number;
  [key: string]: unknown;
}

export const PolicyView = z.object({ conversationId: z.string().nullable(), maxAgeDays: z.number(), action: z.enum(['delete', 'redact']), updatedAt: z.number() });

export function toPolicyView({ conversationId, maxAgeDays, action, updatedAt }: PolicyDoc): z.infer<typeof PolicyView> {
  return { conversationId, maxAgeDays, action, updatedAt };
}

export function policyId(appId: string, conversationId: string | null): string {
  return conversationId ? `${appId}:${conversationId}` : appId;
}

export function policies(store: StorePort) {
  return store.collection<PolicyDoc>(RETENTION_POLICIES);
}

export async function setPolicy(store: StorePort, appId: string, conversationId: string | null, input: PolicyInput, now: number): Promise<PolicyDoc> {
  const doc: PolicyDoc = { _id: policyId(appId, conversationId), appId, conversationId, ...input, updatedAt: now };
  await policies(store).replaceOne({ _id: doc._id }, doc, { upsert: true });
  return doc;
}
