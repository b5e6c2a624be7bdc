import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import { createTestApp, type TestApp } from '../support/fixtures.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { sleep } from '../support/wait-for.ts';
import { filesContaining } from '../support/byte-scan.ts';

/** GDPR export and erasure end to end: what alice wrote comes out in her archive, then is gone. */
const local = useLocalPlatform();
const MARK = `mrk${randomBytes(6).toString('hex')}`;
const marker = (n: number) => `${MARK}x${n}`;
let world: ChatWorld;
let other: TestApp;
let conversationId: string;
let fileBytes: Buffer;
const sent: string[] = [];

async function until<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function uploadFile(token: string, bytes: Buffer): Promise<string> {
  const sha256 = createHash('sha256').update(bytes).digest('base64');
  const declared = await local.call('POST', '/v1/media/uploads', { token, body: { fileName: 'notes.pdf', contentType: 'application/pdf', size: bytes.byteLength, sha256 } });
  expect(declared.status).toBe(201);
  const put = await fetch(declared.body.upload.url, { method: 'PUT', headers: declared.body.upload.headers, body: new Uint8Array(bytes) });
  expect(put.status).toBe(200);
  expect((await local.call('POST', `/v1/media/${declared.body.id}/complete`, { token })).status).toBe(200);
  return declared.body.id;
}

const jobOf = (kind: string, userId = 'alice') => local.call('GET', `/v1/users/${userId}/${kind}`, { token: world.app.serverKey });

beforeAll(async () => {
  world = await createChatWorld(local.call, local.platform.adminToken, ['alice', 'bob']);
  other = await createTestApp(local.call, local.platform.adminToken, 'other');
  conversationId = await createGroup(local.call, world.tokens.alice!, ['bob'], 'gdpr room');
  fileBytes = Buffer.concat([Buffer.from('%PDF-1.7\n', 'latin1'), Buffer.from(` ${marker(99)} `), randomBytes(2_000)]);
  const mediaId = await uploadFile(world.tokens.alice!, fileBytes);
  for (let n = 1; n <= 3; n += 1) {
    const text = `hello ${marker(n)}`;
    const response = await send(local.call, world.tokens.alice!, conversationId, { text, ...(n === 3 ? { attachments: [mediaId] } : {}) });
    expect(response.status).toBe(201);
    sent.push(response.body.id);
  }
  const edited = await local.call('PATCH', `/v1/messages/${sent[0]}`, { token: world.tokens.alice!, body: { text: `edited ${marker(4)}` } });
  expect(edited.status).toBe(200);
  expect((await local.call('PUT', `/v1/messages/${sent[1]}/reactions/👍`, { token: world.tokens.alice! })).status).toBeLessThan(300);
  expect((await send(local.call, world.tokens.bob!, conversationId, { text: 'bob keeps his words' })).status).toBe(201);
  const consent = { status: 'granted', source: 'signup', policyVersion: 'v1' };
  expect((await local.call('PUT', '/v1/users/alice/consents/marketing', { token: world.app.serverKey, body: consent })).status).toBe(200);
});

describe('GDPR export', () => {
  it('refuses users, unknown users and other apps', async () => {
    expect((await local.call('POST', '/v1/users/alice/export', { token: world.tokens.alice! })).status).toBe(403);
    expect((await local.call('POST', '/v1/users/nobody/export', { token: world.app.serverKey })).status).toBe(404);
    expect((await local.call('POST', '/v1/users/alice/export', { token: other.serverKey })).status).toBe(404);
    expect((await local.call('GET', '/v1/users/bob/export', { token: world.app.serverKey })).status).toBe(404);
  });

  it('writes an archive of what the user sent, downloadable once per requester', async () => {
    const started = await local.call('POST', '/v1/users/alice/export', { token: world.app.serverKey });
    expect(started.status).toBe(202);
    const again = await local.call('POST', '/v1/users/alice/export', { token: world.app.serverKey });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(started.body.id);
    const done = await until(async () => {
      const job = await jobOf('export');
      return job.body.status === 'done' && job.body;
    }, 'export done');
    expect(done.result).toMatchObject({ messages: 3, reactions: 1, memberships: 1, consents: 1, files: 1 });

    const link = await local.call('POST', '/v1/users/alice/export/link', { token: world.app.serverKey });
    expect(link.status).toBe(201);
    const download = await fetch(link.body.url);
    expect(download.status).toBe(200);
    const archive = (await download.json()) as any;
    expect(archive).toMatchObject({ format: 'caas-gdpr-export/1', userId: 'alice', profile: { id: 'alice' } });
    expect(archive.messages.map((m: any) => m.text)).toEqual([`edited ${marker(4)}`, `hello ${marker(2)}`, `hello ${marker(3)}`]);
    expect(archive.messages[0].edits.map((e: any) => e.text)).toContain(`hello ${marker(1)}`);
    expect(archive.messages[2].attachments).toHaveLength(1);
    expect(archive.reactions).toEqual([expect.objectContaining({ messageId: sent[1], emoji: '👍' })]);
    expect(archive.memberships).toEqual([expect.objectContaining({ conversationId, role: 'owner' })]);
    expect(archive.receipts[0]).toMatchObject({ conversationId });
    expect(archive.consents).toEqual([expect.objectContaining({ purpose: 'marketing', status: 'granted' })]);
    expect(Buffer.from(archive.files[0].base64, 'base64').equals(fileBytes)).toBe(true);
    expect(JSON.stringify(archive)).not.toContain('bob keeps his words');

    expect((await fetch(link.body.url)).status).toBe(404);
    expect((await local.call('POST', '/v1/users/alice/export/link', { token: world.app.serverKey })).status).toBe(409);
    expect((await fetch(`${local.platform.url}/v1/gdpr/downloads/${'x'.repeat(43)}`)).status).toBe(404);
  });
});

describe('GDPR erasure', () => {
  it('erases the user everywhere it reaches and reports what it erased', async () => {
    await until(async () => {
      const found = await local.call('GET', `/v1/search/messages?q=${marker(2)}`, { token: world.tokens.bob! });
      return found.body.results?.length > 0;
    }, 'the marker indexed for search');
    expect((await local.call('POST', '/v1/users/nobody/erasure', { token: world.app.serverKey })).status).toBe(404);
    expect((await local.call('POST', '/v1/users/alice/erasure', { token: world.tokens.bob! })).status).toBe(403);
    const started = await local.call('POST', '/v1/users/alice/erasure', { token: world.app.serverKey });
    expect(started.status).toBe(202);
    const done = await until(async () => {
      const job = await jobOf('erasure');
      return job.body.status === 'done' && job.body;
    }, 'erasure done');
    expect(done.result).toMatchObject({ messages: 3, files: 1, reactions: 1, memberships: 1, consents: 1, profile: 1, exportArchives: 1 });
    expect(done.result.cryptoShredded).toBeGreaterThan(0);
    expect(done.result.eventPayloads).toBeGreaterThanOrEqual(5);
    const again = await local.call('POST', '/v1/users/alice/erasure', { token: world.app.serverKey });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(started.body.id);

    expect((await local.call('GET', '/v1/users/alice', { token: world.app.serverKey })).status).toBe(404);
    const history = await local.call('GET', `/v1/conversations/${conversationId}/messages`, { token: world.tokens.bob! });
    expect(JSON.stringify(history.body)).not.toContain(MARK);
    expect(JSON.stringify(history.body)).toContain('bob keeps his words');
    const events = await local.call('GET', `/v1/conversations/${conversationId}/events?after=0`, { token: world.tokens.bob! });
    expect(JSON.stringify(events.body)).not.toContain(MARK);
    const search = await local.call('GET', `/v1/search/messages?q=${marker(2)}`, { token: world.tokens.bob! });
    expect(search.body.results).toEqual([]);
  });

  it('leaves no marker in the store collections, the blob store or the audit log', async () => {
    await until(async () => (await jobOf('erasure')).body.status === 'done', 'erasure done');
    const { store, blob } = local.platform.services.ports;
    for (const name of ['users', 'messages', 'events', 'members', 'reactions', 'consents', 'media', 'media_attachments', 'conversations', 'gdpr_jobs', 'audit_links']) {
      const docs = await store.collection(name).find({});
      expect(JSON.stringify(docs), name).not.toContain(MARK);
    }
    const objects = await blob.list(`${world.app.appId}/`);
    for (const object of objects) expect(Buffer.from((await blob.get(object.key)) ?? []).includes(MARK)).toBe(false);
    await local.platform.router.audit.flush();
    // The audit worker appends what the bus delivers: on Kafka that takes a moment.
    await until(async () => (await local.call('GET', '/v1/audit?limit=500', { token: world.app.serverKey })).body.entries.length > 0, 'audit chain appended');
    const audit = await local.call('GET', '/v1/audit?limit=500', { token: world.app.serverKey });
    expect(JSON.stringify(audit.body)).not.toContain('"alice"');
  });

  it('leaves no byte of what the user wrote in any file of the data dir (store, search index, bus log, blobs)', async () => {
    await until(async () => (await jobOf('erasure')).body.status === 'done', 'erasure done');
    const files = await filesContaining(local.platform.dataDir, MARK);
    expect(files).toEqual([]);
  });
});
