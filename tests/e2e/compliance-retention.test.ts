import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { sleep } from '../support/wait-for.ts';
import { filesContaining } from '../support/byte-scan.ts';

/** Retention and legal holds end to end, the platform clock moved forward by the test. */
const local = useLocalPlatform({ CAAS_RETENTION_SWEEP_SECONDS: '0.2' });
const DAY = 86_400_000;
const MARK = `ret${randomBytes(5).toString('hex')}`;
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
let world: ChatWorld;
const conv: Record<string, string> = {};
const msg: Record<string, string> = {};
let holdOnBob = '';

const asApp = (method: string, path: string, body?: unknown) => local.call(method, path, { token: world.app.serverKey, ...(body === undefined ? {} : { body }) });

async function until<T>(probe: () => Promise<T | undefined | null | false>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function message(id: string) {
  return asApp('GET', `/v1/messages/${id}`);
}

beforeAll(async () => {
  local.platform.services.clock = clock;
  world = await createChatWorld(local.call, local.platform.adminToken, ['alice', 'bob']);
  for (const name of ['a', 'b', 'c']) conv[name] = await createGroup(local.call, world.tokens.alice!, ['bob'], `room ${name}`);
  const post = async (key: string, user: 'alice' | 'bob', room: string) => {
    const response = await send(local.call, world.tokens[user]!, conv[room]!, { text: `${key} ${MARK}` });
    expect(response.status).toBe(201);
    msg[key] = response.body.id;
  };
  await post('a1', 'alice', 'a');
  await post('a2', 'bob', 'a');
  await post('b1', 'alice', 'b');
  await post('c1', 'alice', 'c');
});

describe('retention policies and legal holds', () => {
  it('refuses bad policies and holds, users, unknown conversations', async () => {
    expect((await asApp('PUT', '/v1/retention', { maxAgeDays: 0, action: 'redact' })).status).toBe(422);
    expect((await asApp('PUT', '/v1/retention', { maxAgeDays: 30, action: 'shred' })).status).toBe(422);
    expect((await asApp('PUT', '/v1/conversations/cnv_nope/retention', { maxAgeDays: 30, action: 'delete' })).status).toBe(404);
    expect((await local.call('PUT', '/v1/retention', { token: world.tokens.alice!, body: { maxAgeDays: 30, action: 'delete' } })).status).toBe(403);
    expect((await asApp('POST', '/v1/legal-holds', { kind: 'planet', targetId: 'x', reason: 'r' })).status).toBe(422);
    expect((await asApp('DELETE', '/v1/legal-holds/hold_unknown')).status).toBe(404);
    expect((await asApp('GET', '/v1/retention')).body).toEqual({ app: null, conversations: [] });
  });

  it('deletes or redacts what is older than the policy, except what a hold covers', async () => {
    expect((await asApp('PUT', '/v1/retention', { maxAgeDays: 30, action: 'redact' })).status).toBe(200);
    expect((await asApp('PUT', `/v1/conversations/${conv.b}/retention`, { maxAgeDays: 10, action: 'delete' })).status).toBe(200);
    const onRoom = await asApp('POST', '/v1/legal-holds', { kind: 'conversation', targetId: conv.c, reason: 'litigation 7' });
    expect(onRoom.status).toBe(201);
    const onBob = await asApp('POST', '/v1/legal-holds', { kind: 'user', targetId: 'bob', reason: 'investigation 12' });
    holdOnBob = onBob.body.id;
    expect((await asApp('GET', '/v1/legal-holds')).body.holds).toHaveLength(2);

    // Nothing is old yet: a few sweeps later, everything is still there.
    await sleep(500);
    expect((await message(msg.a1!)).body.text).toContain(MARK);

    clock.offsetMs = 31 * DAY;
    const fresh = await local.call('POST', `/v1/conversations/${conv.a}/messages`, { token: world.app.serverKey, headers: { 'x-on-behalf-of': 'alice' }, body: { text: `fresh ${MARK}` } });
    expect(fresh.status).toBe(201);
    await until(async () => (await message(msg.a1!)).body.text === '', 'a1 redacted');
    expect((await message(msg.a2!)).body.text).toContain(MARK); // bob is held
    expect((await message(fresh.body.id)).body.text).toContain(MARK); // not old
    await until(async () => (await message(msg.b1!)).status === 404, 'b1 deleted');
    expect((await message(msg.c1!)).body.text).toContain(MARK); // the conversation is held

    const events = await asApp('GET', `/v1/conversations/${conv.a}/events?after=0`);
    const texts = JSON.stringify(events.body);
    expect(texts).not.toContain(`a1 ${MARK}`);
    expect(texts).toContain(`a2 ${MARK}`);
    // Byte scan: what retention removed is in no file of the data dir.
    const inFiles = async (text: string) => (await filesContaining(local.platform.dataDir, text)).length > 0;
    expect(await inFiles(`a1 ${MARK}`)).toBe(false);
    expect(await inFiles(`b1 ${MARK}`)).toBe(false);
    // Locally the data dir holds the store, so what holds keep must still be there; on the engines it holds no messages.
    const storeInDataDir = local.platform.services.ports.store.name === 'local';
    expect(await inFiles(`a2 ${MARK}`)).toBe(storeInDataDir);
    expect(await inFiles(`c1 ${MARK}`)).toBe(storeInDataDir);
  });

  it('audits sweeps and holds', async () => {
    await local.platform.router.audit.flush();
    const actions = await until(async () => {
      const entries = (await asApp('GET', '/v1/audit?limit=500')).body.entries as any[];
      const names = new Set(entries.map((e) => e.record.action));
      return names.has('retention.redact') && names.has('retention.delete') && names.has('legal-holds.place') && names;
    }, 'sweeps and holds in the audit log');
    expect(actions.has('retention.app.put')).toBe(true);
  });

  it('refuses to erase a held user, naming the hold, until it is lifted', async () => {
    const refused = await asApp('POST', '/v1/users/bob/erasure');
    expect(refused.status).toBe(409);
    expect(refused.body.detail ?? refused.body.message ?? JSON.stringify(refused.body)).toContain(holdOnBob);
    expect((await asApp('DELETE', `/v1/legal-holds/${holdOnBob}`)).status).toBe(204);
    expect((await asApp('POST', '/v1/users/bob/erasure')).status).toBe(202);
    await until(async () => (await asApp('GET', '/v1/users/bob/erasure')).body.status === 'done', 'bob erased');
    await until(async () => (await message(msg.a2!)).body.text === '', 'a2 erased');
    expect((await message(msg.c1!)).body.text).toContain(MARK); // alice's message in the held room stays
  });
});
