import { beforeAll, describe, expect, it } from 'vitest';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import type { ApiCall } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;
let outsider: ChatWorld;
const t = (user: string) => world.tokens[user]!;

const local = useLocalPlatform();
beforeAll(async () => {
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben']);
  outsider = await createChatWorld(call, platform.adminToken, ['ann']);
});

async function editedTwice(): Promise<{ conversationId: string; messageId: string }> {
  const conversationId = await createGroup(call, t('ann'), ['ben']);
  const sent = await send(call, t('ann'), conversationId, { text: 'first' });
  await call('PATCH', `/v1/messages/${sent.body.id}`, { token: t('ann'), body: { text: 'second' } });
  await call('PATCH', `/v1/messages/${sent.body.id}`, { token: t('ann'), body: { text: 'third' } });
  return { conversationId, messageId: sent.body.id };
}

describe('POST /v1/messages/:id/restore', () => {
  it('restores a previous version as an edit event, keeping the history', async () => {
    const { conversationId, messageId } = await editedTwice();
    const restored = await call('POST', `/v1/messages/${messageId}/restore`, { token: t('ann'), body: { version: 1 } });
    expect(restored.status).toBe(200);
    expect(restored.body.text).toBe('first');
    expect(restored.body.edits.map((e: { text: string }) => e.text)).toEqual(['first', 'second', 'third']);
    const reloaded = await call('GET', `/v1/messages/${messageId}`, { token: t('ben') });
    expect(reloaded.body).toMatchObject({ text: 'first' });
    const events = (await call('GET', `/v1/conversations/${conversationId}/events?after=0`, { token: t('ben') })).body.events;
    expect(events.at(-1)).toMatchObject({ type: 'message.updated', actorId: 'ann', payload: { messageId, changes: { text: 'first' } } });

    const again = await call('POST', `/v1/messages/${messageId}/restore`, { token: t('ann'), body: { version: 3 } });
    expect(again.body.text).toBe('third');
  });

  it('restoring the current version changes nothing and records no event', async () => {
    const { conversationId, messageId } = await editedTwice();
    const before = (await call('GET', `/v1/conversations/${conversationId}/events?after=0`, { token: t('ann') })).body.events.length;
    const same = await call('POST', `/v1/messages/${messageId}/restore`, { token: t('ann'), body: { version: 3 } });
    expect(same.status).toBe(200);
    expect(same.body.text).toBe('third');
    expect((await call('GET', `/v1/conversations/${conversationId}/events?after=0`, { token: t('ann') })).body.events).toHaveLength(before);
  });

  it('refuses versions that do not exist, bad bodies, other authors and other tenants', async () => {
    const { messageId } = await editedTwice();
    const path = `/v1/messages/${messageId}/restore`;
    const missing = await call('POST', path, { token: t('ann'), body: { version: 4 } });
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual([expect.objectContaining({ path: 'body.version' })]);
    for (const body of [{ version: 0 }, { version: -1 }, { version: 1.5 }, { version: '1' }, {}, { version: 1, text: 'x' }]) {
      expect((await call('POST', path, { token: t('ann'), body })).status, JSON.stringify(body)).toBe(422);
    }
    expect((await call('POST', path, { token: t('ben'), body: { version: 1 } })).status).toBe(403);
    expect((await call('POST', path, { token: outsider.tokens.ann!, body: { version: 1 } })).status).toBe(404);
    expect((await call('POST', '/v1/messages/msg_00000000000000000000000000/restore', { token: t('ann'), body: { version: 1 } })).status).toBe(404);
    expect((await call('GET', `/v1/messages/${messageId}`, { token: t('ann') })).body.text).toBe('third');
  });

  it('a deleted message cannot be restored', async () => {
    const { messageId } = await editedTwice();
    await call('DELETE', `/v1/messages/${messageId}`, { token: t('ann') });
    expect((await call('POST', `/v1/messages/${messageId}/restore`, { token: t('ann'), body: { version: 1 } })).status).toBe(404);
  });
});
