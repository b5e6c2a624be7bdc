import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiCall } from '../support/http-client.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { connectLive } from '../support/realtime-client.ts';
import { trackSockets } from '../support/track-sockets.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

/**
 * Issue 13, item 6: events (REST and realtime frames) carry the same public views as the REST
 * resources: no store ids, app ids or uniqueness keys, and nothing of other members' own state.
 */
let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;

const local = useLocalPlatform();
const sockets = trackSockets();
beforeAll(async () => {
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben', 'cy']);
});

const t = (user: string) => world.tokens[user]!;
const PRIVATE = ['"_id"', '"appId"', 'directKey', 'uniqueKey', '"hidden"', '"archived"', '"lastReadSeq"', '"mutedUntil"', '"lastDeliveredSeq"'];
const expectPublic = (value: unknown) => {
  const text = JSON.stringify(value);
  for (const field of PRIVATE) expect(text, `${field} in ${text.slice(0, 300)}`).not.toContain(field);
};

/** Every kind of change a conversation goes through, including other members' private state. */
async function busyConversations(): Promise<string[]> {
  const direct = await call('POST', '/v1/conversations', { token: t('ann'), body: { type: 'direct', memberIds: ['ben'] } });
  expect(direct.status).toBeLessThan(300);
  const group = await createGroup(call, t('ann'), ['ben']);
  for (const id of [direct.body.id as string, group]) {
    const message = await send(call, t('ann'), id, { text: 'hello' });
    expect(message.status).toBe(201);
    expect((await call('PUT', `/v1/messages/${message.body.id}/reactions/${encodeURIComponent('👍')}`, { token: t('ben') })).status).toBeLessThan(300);
    await call('PATCH', `/v1/conversations/${id}/members/ann`, { token: t('ann'), body: { mutedUntil: Date.now() + 60_000 } });
    await call('PUT', `/v1/conversations/${id}/visibility`, { token: t('ann'), body: { hidden: true, archived: true } });
    await call('POST', `/v1/conversations/${id}/read`, { token: t('ann'), body: { seq: message.body.seq } });
  }
  await call('POST', `/v1/conversations/${group}/members`, { token: t('ann'), body: { userIds: ['cy'] } });
  return [direct.body.id, group];
}

describe('event payloads', () => {
  it('GET …/events carries public views only', async () => {
    for (const id of await busyConversations()) {
      const events = await call('GET', `/v1/conversations/${id}/events?after=0`, { token: t('ben') });
      expect(events.status).toBe(200);
      expect(events.body.events.length).toBeGreaterThan(3);
      expect(events.body.events.map((event: { type: string }) => event.type)).toContain('message.new');
      expectPublic(events.body.events);
    }
  });

  it('realtime frames carry public views only', async () => {
    const ben = await sockets.track(connectLive(platform.url, t('ben')));
    const [direct, group] = await busyConversations();
    await ben.waitForEvents(group!, 4);
    await ben.waitForEvents(direct!, 3);
    const message = ben.events(group).find((event) => event.type === 'message.new');
    expect(message?.payload.message).toMatchObject({ id: expect.stringMatching(/^msg_/), text: 'hello' });
    expectPublic(ben.frames.filter((frame) => frame.type === 'event'));
  });
});
