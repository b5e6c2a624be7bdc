import { beforeAll, describe, expect, it } from 'vitest';
import { SEQUENCES, appendEvent, currentSequence } from '../../functions/events/events.ts';
import type { Services } from '../../runtime/context.ts';
import { useLocalServices } from '../support/use-local-platform.ts';

const local = useLocalServices();
let services: Services;

beforeAll(() => {
  services = local.services;
});

const append = (conversationId: string) =>
  appendEvent(services, { appId: 'app_x', conversationId, type: 'conversation.updated', actorId: null, payload: { changes: {} } });

describe('per-conversation sequences', () => {
  it('are dense and unique under concurrent appends', async () => {
    const events = await Promise.all(Array.from({ length: 60 }, () => append('conv_dense')));
    expect(events.map((event) => event.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('recover when the counter fell behind (a store that lost concurrent updates): no reuse, no gap', async () => {
    for (let i = 0; i < 3; i++) await append('conv_behind');
    await services.ports.store.collection(SEQUENCES).updateOne({ _id: 'conv_behind' }, { $set: { seq: 1 } });
    const next = await append('conv_behind');
    expect(next.seq).toBe(4);
    expect((await append('conv_behind')).seq).toBe(5);
  });

  it('the last sequence survives the cache losing its counters (a restart), and the next append follows it', async () => {
    for (let i = 0; i < 3; i++) await append('conv_lost');
    // Where the cache allocates (FerretDB), its counter is gone; where the store does, nothing changes.
    await services.ports.cache.del('caas:seq:conv_lost');
    expect(await currentSequence(services, 'conv_lost')).toBe(3);
    expect(await currentSequence(services, 'conv_lost')).toBe(3);
    expect((await append('conv_lost')).seq).toBe(4);
    expect(await currentSequence(services, 'conv_lost')).toBe(4);
  });
});
