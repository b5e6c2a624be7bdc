import { z } from 'zod';
import type { IndexDeclaration, StorePort } from '../../infra/store/port.ts';
import { AppError } from '../../runtime/errors.ts';

/**
 * Legal holds: while a hold on a user or a conversation stands, retention does not touch what it
 * covers and erasure refuses the held user (409 naming the hold) and keeps held conversations'
 * messages. Placing and lifting a hold are audited like every write.
 */
export const LEGAL_HOLDS = 'legal_holds';

export const HoldInput = z.strictObject({
  kind: z.enum(['user', 'conversation']),
  targetId: z.string().min(1).max(128),
  reason: z.string().min(1).max(500),
});

export interface HoldDoc {
  _id: string;
  appId: string;
  kind: 'user' | 'conversation';
  targetId: string;
  reason: string;
  placedAt: number;
  [key: string]: unknown;
}

export const holdIndexes: IndexDeclaration[] = [{ collection: LEGAL_HOLDS, specs: [{ keys: { appId: 1, kind: 1, targetId: 1 } }] }];

export const HoldView = z.object({ id: z.string(), kind: z.enum(['user', 'conversation']), targetId: z.string(), reason: z.string(), placedAt: z.number() });

export function toHoldView(hold: HoldDoc): z.infer<typeof HoldView> {
  return { id: hold._id, kind: hold.kind, targetId: hold.targetId, reason: hold.reason, placedAt: hold.placedAt };
}

export async function heldTargets(store: StorePort, appId: string): Promise<{ users: Set<string>; conversations: Set<string> }> {
  const holds = await store.collection<HoldDoc>(LEGAL_HOLDS).find({ appId });
  return {
    users: new Set(holds.filter((h) => h.kind === 'user').map((h) => h.targetId)),
    conversations: new Set(holds.filter((h) => h.kind === 'conversation').map((h) => h.targetId)),
  };
}

/** Erasure of a held user answers 409 naming the hold. */
export async function refuseIfUserHeld(store: StorePort, appId: string, userId: string): Promise<void> {
  const hold = await store.collection<HoldDoc>(LEGAL_HOLDS).findOne({ appId, kind: 'user', targetId: userId });
  if (hold) throw new AppError('CONFLICT', `User ${userId} is under legal hold ${hold._id} (${hold.reason}); lift it before erasing`);
}
