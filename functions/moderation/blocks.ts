import type { Services } from '../../runtime/context.ts';
import type { IndexDeclaration } from '../../infra/store/port.ts';

/** User block lists: a block stops direct messages between the two users, both ways. */
export interface BlockDoc {
  /** `${appId}:${blockerId}:${blockedId}` */
  _id: string;
  appId: string;
  blockerId: string;
  blockedId: string;
  createdAt: number;
  [key: string]: unknown;
}

export const BLOCKS = 'blocks';
export const blockIndexes: IndexDeclaration[] = [{ collection: BLOCKS, specs: [{ keys: { appId: 1, blockerId: 1, createdAt: 1 } }] }];

export function blockKey(appId: string, blockerId: string, blockedId: string): string {
  return `${appId}:${blockerId}:${blockedId}`;
}

const pairReadKey = (appId: string, a: string, b: string) => `blocks:${appId}:${[a, b].sort().join('|')}`;

/** Whether either user blocks the other, through the read cache (every direct send asks). */
export async function isBlockedBetween(services: Services, appId: string, a: string, b: string): Promise<boolean> {
  const found = await services.reads.read(pairReadKey(appId, a, b), () =>
    services.ports.store.collection<BlockDoc>(BLOCKS).countDocuments({ _id: { $in: [blockKey(appId, a, b), blockKey(appId, b, a)] } }),
  );
  return found > 0;
}

export async function block(services: Services, appId: string, blockerId: string, blockedId: string): Promise<void> {
  await services.ports.store
    .collection<BlockDoc>(BLOCKS)
    .updateOne(
      { _id: blockKey(appId, blockerId, blockedId) },
      { $setOnInsert: { appId, blockerId, blockedId, createdAt: services.clock.now() } },
      { upsert: true },
    );
  await services.reads.invalidate(pairReadKey(appId, blockerId, blockedId));
}

export async function unblock(services: Services, appId: string, blockerId: string, blockedId: string): Promise<boolean> {
  const removed = (await services.ports.store.collection<BlockDoc>(BLOCKS).deleteOne({ _id: blockKey(appId, blockerId, blockedId) })) > 0;
  await services.reads.invalidate(pairReadKey(appId, blockerId, blockedId));
  return removed;
}

export async function listBlocked(services: Services, appId: string, blockerId: string): Promise<BlockDoc[]> {
  return services.ports.store.collection<BlockDoc>(BLOCKS).find({ appId, blockerId }, { sort: { createdAt: 1 } });
}
