import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONVERSATIONS, type ConversationDoc } from '../../functions/conversations/conversations.ts';
import type { MessageDoc } from '../../functions/messages/messages.ts';
import { writePreview } from '../../functions/messages/preview-writes.ts';
import { LocalStore } from '../../infra/store/local.ts';
import type { Collection, Doc, StorePort } from '../../infra/store/port.ts';
import type { Services } from '../../runtime/context.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

describe('writePreview: concurrent sends into one conversation share preview writes', () => {
  const dirs = useTempDirs();
  let local: LocalStore;
  let updates = 0;
  let services: Services;

  beforeAll(async () => {
    local = new LocalStore({ dataDir: await dirs.make('caas-preview-') });
    // Counts the preview writes that reach the store.
    const store: StorePort = Object.create(local, {
      collection: {
        value: <T extends Doc>(name: string): Collection<T> => {
          const collection = local.collection<T>(name);
          return Object.create(collection, { updateOne: { value: (...args: Parameters<Collection<T>['updateOne']>) => ((updates += 1), collection.updateOne(...args)) } });
        },
      },
    });
    services = { ports: { store } } as unknown as Services;
  });
  afterAll(() => local.close());

  const conversations = () => local.collection<ConversationDoc>(CONVERSATIONS);
  const message = (conversationId: string, seq: number) =>
    ({ _id: `msg_${conversationId}_${seq}`, appId: 'app_1', conversationId, authorId: 'ann', text: `text ${seq}`, seq, createdAt: 1_000 + seq }) as MessageDoc;
  const seed = (id: string) => conversations().insertOne({ _id: id, appId: 'app_1', lastActivityAt: 0, lastMessage: null } as unknown as ConversationDoc);

  it('ends with the newest message, in far fewer writes than sends, each send answered after a write as new as its message', async () => {
    await seed('conv_a');
    updates = 0;
    const sends = Array.from({ length: 40 }, (_, i) => message('conv_a', i + 1));
    const seenOnResolve: number[] = [];
    await Promise.all(
      sends.map((m) => writePreview(services, m).then(async () => seenOnResolve.push((await conversations().findOne({ _id: 'conv_a' }))!.lastActivityAt - m.createdAt))),
    );
    const row = await conversations().findOne({ _id: 'conv_a' });
    expect(row?.lastMessage?.id).toBe('msg_conv_a_40');
    expect(updates).toBeLessThan(40);
    expect(seenOnResolve.every((ahead) => ahead >= 0)).toBe(true);
  });

  it('never moves the preview back to an older message that arrives late', async () => {
    await seed('conv_b');
    await Promise.all([writePreview(services, message('conv_b', 5)), writePreview(services, message('conv_b', 3)), writePreview(services, message('conv_b', 4))]);
    await writePreview(services, message('conv_b', 2));
    expect((await conversations().findOne({ _id: 'conv_b' }))?.lastMessage?.seq).toBe(5);
  });

  it('keeps conversations apart', async () => {
    await seed('conv_c');
    await seed('conv_d');
    await Promise.all([writePreview(services, message('conv_c', 7)), writePreview(services, message('conv_d', 9))]);
    expect((await conversations().findOne({ _id: 'conv_c' }))?.lastMessage?.seq).toBe(7);
    expect((await conversations().findOne({ _id: 'conv_d' }))?.lastMessage?.seq).toBe(9);
  });
});
