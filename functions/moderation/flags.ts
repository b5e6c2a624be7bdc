import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import { newId } from '../../runtime/ids.ts';
import type { IndexDeclaration } from '../../infra/store/port.ts';

/** Flagged messages and the review queue moderators work through. */
export interface FlagDoc {
  _id: string;
  appId: string;
  messageId: string;
  conversationId: string;
  reporterId: string | null;
  reason: string;
  status: 'open' | 'dismissed' | 'actioned';
  createdAt: number;
  resolvedAt: number | null;
  resolution: string | null;
  [key: string]: unknown;
}

export const FLAGS = 'flags';
export const flagIndexes: IndexDeclaration[] = [
  {
    collection: FLAGS,
    specs: [
      { keys: { appId: 1, status: 1, createdAt: 1 } },
      { keys: { messageId: 1, reporterId: 1 }, unique: true },
    ],
  },
];

export async function flagMessage(
  services: Services,
  input: { appId: string; messageId: string; conversationId: string; reporterId: string | null; reason: string },
): Promise<FlagDoc> {
  const existing = await services.ports.store.collection<FlagDoc>(FLAGS).findOne({ messageId: input.messageId, reporterId: input.reporterId });
  if (existing) return existing;
  const now = services.clock.now();
  const flag: FlagDoc = { _id: newId('flag', now), ...input, status: 'open', createdAt: now, resolvedAt: null, resolution: null };
  await services.ports.store.collection<FlagDoc>(FLAGS).insertOne(flag);
  return flag;
}

export async function resolveFlag(services: Services, appId: string, flagId: string, status: 'dismissed' | 'actioned', resolution: string): Promise<FlagDoc> {
  const flag = await services.ports.store
    .collection<FlagDoc>(FLAGS)
    .findOneAndUpdate({ _id: flagId, appId }, { $set: { status, resolution, resolvedAt: services.clock.now() } }, { returnDocument: 'after' });
  if (!flag) throw new AppError('NOT_FOUND', `Flag ${flagId} not found`);
  return flag;
}

export function toFlagView(flag: FlagDoc) {
  return {
    id: flag._id,
    messageId: flag.messageId,
    conversationId: flag.conversationId,
    reporterId: flag.reporterId,
    reason: flag.reason,
    status: flag.status,
    createdAt: flag.createdAt,
    resolvedAt: flag.resolvedAt,
    resolution: flag.resolution,
  };
}
