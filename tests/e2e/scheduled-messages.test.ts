import { beforeAll, describe, expect, it } from 'vitest';
import { startScheduledSender } from '../../workers/scheduled-sender.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import { eventually } from '../support/eventually.ts';
import { apiClient, type ApiCall } from '../support/http-client.ts';
import { startLocalPlatform, type LocalPlatform } from '../support/local-platform.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { controlClock, type TestClock } from '../support/test-clock.ts';

let platform: LocalPlatform;
let call: ApiCall;
let clock: TestClock;
let world: ChatWorld;
let outsider: ChatWorld;
const t = (user: string) => world.tokens[user]!;
const inMinutes = (minutes: number) => new Date(clock.now() + minutes * 60_000).toISOString();

const local = useLocalPlatform();
beforeAll(async () => {
  ({ platform, call } = local);
  clock = controlClock(platform);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben', 'cat', 'dan']);
  outsider = await createChatWorld(call, platform.adminToken, ['eve']);
});

const scheduled = (token: string, conversationId: string, query = '') => call('GET', `/v1/conversations/${conversationId}/scheduled${query}`, { token });
const history = async (token: string, conversationId: string) =>
  (await call('GET', `/v1/conversations/${conversationId}/messages?limit=200`, { token })).body.messages as Array<{ id: string; text: string; seq: number; authorId: string; clientMessageId: string | null }>;
async function statusOf(token: string, conversationId: string, id: string): Promise<any> {
  return (await scheduled(token, conversationId)).body.scheduled.find((item: { id: string }) => item.id === id);
}
const settled = (item: any) => item?.status === 'sent' || item?.status === 'failed';

describe('scheduling (sendAt)', () => {
  it('answers 202 with the scheduled message, lists it, and delivers it when due with a normal sequence', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    const sendAt = inMinutes(10);
    const accepted = await send(call, t('ann'), id, { text: 'good morning', sendAt, mentions: ['ben'] });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ status: 'scheduled', text: 'good morning', sendAt, authorId: 'ann', messageId: null, failure: null });
    expect(accepted.body.id).toMatch(/^sch_/);
    expect((await scheduled(t('ann'), id)).body.scheduled.map((item: { id: string }) => item.id)).toEqual([accepted.body.id]);
    expect((await scheduled(t('ben'), id)).body.scheduled).toEqual([]);
    expect(await history(t('ben'), id)).toEqual([]);

    const before = await send(call, t('ben'), id, { text: 'meanwhile' });
    clock.advance(10 * 60_000 + 1);
    const done = await eventually(() => statusOf(t('ann'), id, accepted.body.id), settled, 'delivery');
    expect(done.status).toBe('sent');
    expect(done.seq).toBeGreaterThan(before.body.seq);
    const messages = await history(t('ben'), id);
    expect(messages.map((m) => m.text)).toEqual(['meanwhile', 'good morning']);
    expect(messages[1]).toMatchObject({ id: done.messageId, seq: done.seq, authorId: 'ann' });
    expect((await scheduled(t('ann'), id, '?status=scheduled')).body.scheduled).toEqual([]);
  });

  it('edits and cancels before delivery; refuses both once sent', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    const first = await send(call, t('ann'), id, { text: 'draft', sendAt: inMinutes(5) });
    const second = await send(call, t('ann'), id, { text: 'to cancel', sendAt: inMinutes(5) });
    const edited = await call('PATCH', `/v1/scheduled/${first.body.id}`, { token: t('ann'), body: { text: 'final', sendAt: inMinutes(6) } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ text: 'final', status: 'scheduled' });
    expect((await call('DELETE', `/v1/scheduled/${second.body.id}`, { token: t('ann') })).status).toBe(204);
    expect((await call('DELETE', `/v1/scheduled/${second.body.id}`, { token: t('ann') })).status).toBe(404);

    clock.advance(5 * 60_000 + 1);
    expect((await statusOf(t('ann'), id, first.body.id)).status).toBe('scheduled');
    clock.advance(60_000);
    await eventually(() => statusOf(t('ann'), id, first.body.id), settled, 'delivery');
    expect((await history(t('ben'), id)).map((m) => m.text)).toEqual(['final']);
    const late = await call('PATCH', `/v1/scheduled/${first.body.id}`, { token: t('ann'), body: { text: 'too late' } });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('CONFLICT');
    expect((await call('DELETE', `/v1/scheduled/${first.body.id}`, { token: t('ann') })).status).toBe(409);
  });

  it('refuses bad input with a clear 4xx and schedules nothing', async () => {
    const id = await createGroup(call, t('ann'), ['ben']);
    const cases: Array<[Record<string, unknown>, number]> = [
      [{ text: 'x', sendAt: new Date(clock.now() - 60_000).toISOString() }, 422],
      [{ text: 'x', sendAt: Date.now() + 60_000 }, 422],
      [{ text: 'x', sendAt: 'tomorrow at noon' }, 422],
      [{ text: 'x', sendAt: '2026-12-31T10:00:00' }, 422],
      [{ text: 'x', sendAt: new Date(clock.now() + 400 * 24 * 3600_000).toISOString() }, 422],
      [{ text: '', sendAt: inMinutes(5) }, 422],
      [{ text: 'x', sendAt: inMinutes(5), ttlSeconds: 'soon' }, 422],
      [{ text: 'x', sendAt: inMinutes(5), mentions: ['nobody-here'] }, 404],
    ];
    for (const [body, status] of cases) {
      const response = await send(call, t('ann'), id, body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    const past = await send(call, t('ann'), id, { text: 'x', sendAt: new Date(clock.now() - 1000).toISOString() });
    expect(past.body.errors).toEqual([expect.objectContaining({ path: 'body.sendAt' })]);
    expect((await scheduled(t('ann'), id)).body.scheduled).toEqual([]);

    const mine = await send(call, t('ann'), id, { text: 'mine', sendAt: inMinutes(30) });
    const path = `/v1/scheduled/${mine.body.id}`;
    expect((await call('PATCH', path, { token: t('ben'), body: { text: 'hijack' } })).status).toBe(404);
    expect((await call('DELETE', path, { token: t('ben') })).status).toBe(404);
    expect((await call('PATCH', path, { token: outsider.tokens.eve!, body: { text: 'hijack' } })).status).toBe(404);
    expect((await call('DELETE', path, { token: outsider.app.serverKey })).status).toBe(404);
    expect((await scheduled(outsider.app.serverKey, id)).status).toBe(404);
    expect((await send(call, outsider.tokens.eve!, id, { text: 'x', sendAt: inMinutes(5) })).status).toBe(404);
    expect((await call('PATCH', path, { token: t('ann'), body: { sendAt: 12 } })).status).toBe(422);
    expect((await call('PATCH', path, { token: t('ann'), body: { status: 'sent' } })).status).toBe(422);
    expect((await call('PATCH', '/v1/scheduled/not-an-id', { token: t('ann'), body: {} })).status).toBe(422);
    expect((await statusOf(t('ann'), id, mine.body.id))).toMatchObject({ text: 'mine', status: 'scheduled' });
    expect((await scheduled(world.app.serverKey, id)).body.scheduled).toHaveLength(1);
  });

  it('checks policy again at delivery: a sender removed or banned meanwhile gets a failed status, nothing is sent', async () => {
    const id = await createGroup(call, t('ann'), ['ben', 'cat']);
    const removed = await send(call, t('ben'), id, { text: 'from ben', sendAt: inMinutes(3) });
    const banned = await send(call, t('cat'), id, { text: 'from cat', sendAt: inMinutes(3) });
    expect((await call('DELETE', `/v1/conversations/${id}/members/ben`, { token: t('ann') })).status).toBe(204);
    expect((await call('PUT', '/v1/users/cat/ban', { token: world.app.serverKey, body: { reason: 'spam' } })).status).toBe(200);
    clock.advance(3 * 60_000 + 1);
    const failed = await eventually(() => statusOf(world.app.serverKey, id, banned.body.id), settled, 'banned delivery');
    expect(failed).toMatchObject({ status: 'failed', failure: { code: 'FORBIDDEN' } });
    expect(failed.failure.detail).toContain('banned');
    const gone = await eventually(() => statusOf(world.app.serverKey, id, removed.body.id), settled, 'removed delivery');
    expect(gone).toMatchObject({ status: 'failed', failure: { code: 'NOT_FOUND' } });
    expect(await history(t('ann'), id)).toEqual([]);
    await call('DELETE', '/v1/users/cat/ban', { token: world.app.serverKey });

    const retried = await call('PATCH', `/v1/scheduled/${banned.body.id}`, { token: t('cat'), body: { text: 'after the ban' } });
    expect(retried.status).toBe(422);
    const rescheduled = await call('PATCH', `/v1/scheduled/${banned.body.id}`, { token: t('cat'), body: { sendAt: inMinutes(1) } });
    expect(rescheduled.body).toMatchObject({ status: 'scheduled', failure: null });
    clock.advance(60_000 + 1);
    await eventually(() => statusOf(t('cat'), id, banned.body.id), settled, 'redelivery');
    expect((await history(t('ann'), id)).map((m) => m.text)).toEqual(['from cat']);
  });

  it('is delivered exactly once with several senders running', async () => {
    const id = await createGroup(call, t('ann'), ['dan']);
    const extra = await Promise.all([startScheduledSender(platform.services, { pollMs: 5 }), startScheduledSender(platform.services, { pollMs: 7 })]);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push((await send(call, t(i % 2 ? 'dan' : 'ann'), id, { text: `s${i}`, sendAt: inMinutes(2) })).body.id);
      clock.advance(2 * 60_000 + 1);
      await eventually(async () => (await scheduled(world.app.serverKey, id, '?status=sent')).body.scheduled.length, (n) => n === 12, 'all delivered');
    } finally {
      for (const sender of extra) await sender.stop();
    }
    const messages = await history(t('ann'), id);
    expect(messages).toHaveLength(12);
    expect(new Set(messages.map((m) => m.text)).size).toBe(12);
    const seqs = messages.map((m) => m.seq);
    expect(new Set(seqs).size).toBe(12);
  });
});

describe('surviving a restart', () => {
  const dirs = useTempDirs();
  it('a message scheduled before the platform stopped is delivered by the next one', async () => {
    const dataDir = await dirs.make('caas-scheduled-');
    // Same data dir (local mode) and, on real engines, the same namespace: the second run sees the first one's state.
    const env = { CAAS_DATA_DIR: dataDir, ...(process.env.CAAS_E2E_ENGINES === '1' ? { CAAS_NAMESPACE: `sched${Date.now().toString(36)}` } : {}) };
    const first = await startLocalPlatform(env);
    const firstCall = apiClient(first.url);
    const cast = await createChatWorld(firstCall, first.adminToken, ['ann', 'ben']);
    const id = await createGroup(firstCall, cast.tokens.ann!, ['ben']);
    const sendAt = new Date(Date.now() + 5 * 60_000).toISOString();
    const accepted = await send(firstCall, cast.tokens.ann!, id, { text: 'after the restart', sendAt });
    expect(accepted.status).toBe(202);
    await first.close();

    const second = await startLocalPlatform(env);
    try {
      const secondCall = apiClient(second.url);
      controlClock(second).advance(5 * 60_000 + 1);
      const read = async () => (await secondCall('GET', `/v1/conversations/${id}/scheduled`, { token: cast.tokens.ann! })).body.scheduled[0];
      expect(await eventually(read, settled, 'delivery after restart')).toMatchObject({ status: 'sent', id: accepted.body.id });
      const messages = (await secondCall('GET', `/v1/conversations/${id}/messages`, { token: cast.tokens.ben! })).body.messages;
      expect(messages.map((m: { text: string }) => m.text)).toEqual(['after the restart']);
    } finally {
      await second.close();
    }
  });
});
