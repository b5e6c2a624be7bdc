import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, Outbox, type OutboxItem } from '../../sdk/src/index.ts';
import { startLocalPlatform, type LocalPlatform } from '../support/local-platform.ts';
import { createSdkWorld, type SdkWorld } from './sdk-world.ts';

/** A fetch that can be switched off (no network) or made to lose answers after the server got the request. */
function flakyNetwork() {
  const state = { offline: false, loseNextAnswer: false, requests: 0 };
  const fetchImpl: typeof fetch = async (input, init) => {
    if (state.offline) throw new TypeError('fetch failed: network is offline');
    state.requests++;
    const response = await fetch(input, init);
    if (state.loseNextAnswer) {
      state.loseNextAnswer = false;
      throw new TypeError('fetch failed: connection reset before the answer');
    }
    return response;
  };
  return { state, fetchImpl };
}

describe('SDK offline outbox against the local runtime', () => {
  let platform: LocalPlatform;
  let world: SdkWorld;
  let conversationId: string;

  beforeAll(async () => {
    platform = await startLocalPlatform();
    world = await createSdkWorld(platform.url, platform.adminToken, ['ann', 'ben']);
    conversationId = (await world.userApi('ann').call('conversations.create', { body: { type: 'group', memberIds: ['ben'], name: 'outbox' } })).id;
  });
  afterAll(async () => platform?.close());

  const history = async () =>
    (await world.userApi('ben').call('messages.list', { params: { conversationId }, query: { limit: 100 } })).messages.map((m) => ({ text: m.text, clientMessageId: m.clientMessageId }));

  it('keeps sends made offline with their clientMessageId and sends each once, in order, when the network returns', async () => {
    const network = flakyNetwork();
    const sent: string[] = [];
    const offline: unknown[] = [];
    const outbox = new Outbox({
      rest: world.userApi('ann', platform.url, network.fetchImpl),
      onSent: (item) => sent.push(item.clientMessageId),
      onOffline: (error) => offline.push(error),
    });
    network.state.offline = true;
    const queued: OutboxItem[] = [];
    for (const text of ['one', 'two', 'three']) queued.push(await outbox.send(conversationId, { text }));
    await outbox.flush();
    expect(offline.length).toBeGreaterThan(0);
    expect((await outbox.pending()).map((item) => item.body.text)).toEqual(['one', 'two', 'three']);
    expect(await history()).toEqual([]);

    // Back online, but the answer to the first send is lost after the server stored it.
    network.state.offline = false;
    network.state.loseNextAnswer = true;
    await outbox.flush();
    expect((await outbox.pending()).map((item) => item.body.text)).toEqual(['one', 'two', 'three']);
    await Promise.all([outbox.flush(), outbox.flush(), outbox.flush()]);

    expect(await outbox.pending()).toEqual([]);
    expect(sent).toEqual(queued.map((item) => item.clientMessageId));
    expect(await history()).toEqual(queued.map((item) => ({ text: item.body.text, clientMessageId: item.clientMessageId })));
  });

  it('drops a send the server refuses for good and reports it, without holding back the rest', async () => {
    const failed: unknown[] = [];
    const outbox = new Outbox({ rest: world.userApi('ann'), onFailed: (_item, error) => failed.push(error) });
    await outbox.send(conversationId, { text: 'x'.repeat(5_000) });
    await outbox.send(conversationId, { text: 'four' });
    await outbox.flush();
    expect(failed).toEqual([expect.any(ApiError)]);
    expect((failed[0] as ApiError).code).toBe('VALIDATION_FAILED');
    expect(await outbox.pending()).toEqual([]);
    expect((await history()).at(-1)?.text).toBe('four');
  });
});
