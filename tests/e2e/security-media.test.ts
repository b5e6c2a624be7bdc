import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiCall } from '../support/http-client.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

/**
 * Issue 13, items 1 and 4: a sender attaches only media they may see (their own uploads, or media
 * on a message they can read), a server key acting for a user has that user's rights; a completed
 * upload cannot be replaced or withdrawn through its still-valid upload URL.
 */
let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;

const local = useLocalPlatform();
beforeAll(async () => {
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben', 'cat']);
});

const t = (user: string) => world.tokens[user]!;
const pdf = () => Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), randomBytes(2_000)]);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

interface Upload {
  id: string;
  bytes: Buffer;
  upload: { method: string; url: string; headers: Record<string, string> };
}

async function declareAndPut(token: string): Promise<Upload> {
  const bytes = pdf();
  const declared = await call('POST', '/v1/media/uploads', { token, body: { fileName: 'a.pdf', contentType: 'application/pdf', size: bytes.byteLength, sha256: sha256(bytes) } });
  expect(declared.status).toBe(201);
  const put = await fetch(declared.body.upload.url, { method: 'PUT', headers: declared.body.upload.headers, body: new Uint8Array(bytes) });
  expect(put.status).toBe(200);
  return { id: declared.body.id, bytes, upload: declared.body.upload };
}

async function uploaded(token: string): Promise<Upload> {
  const upload = await declareAndPut(token);
  expect((await call('POST', `/v1/media/${upload.id}/complete`, { token })).status).toBe(200);
  return upload;
}

const refusedAttachment = (response: { status: number; body: { errors?: Array<{ path: string }> } }) => {
  expect(response.status).toBe(422);
  expect(response.body.errors?.[0]?.path).toBe('body.attachments');
};

describe('attaching media', () => {
  it("refuses someone else's draft, pending or completed, for a user and for a server key acting as them", async () => {
    const benAndCat = await createGroup(call, t('ben'), ['cat']);
    const pending = await declareAndPut(t('ann'));
    const ready = await uploaded(t('ann'));
    for (const id of [pending.id, ready.id]) {
      refusedAttachment(await send(call, t('ben'), benAndCat, { text: 'mine now', attachments: [id] }));
      const acting = await call('POST', `/v1/conversations/${benAndCat}/messages`, {
        token: world.app.serverKey, headers: { 'x-on-behalf-of': 'ben' }, body: { text: 'mine now', attachments: [id] },
      });
      refusedAttachment(acting);
    }
    expect((await call('GET', `/v1/media/${ready.id}`, { token: t('ben') })).status).toBe(404);
  });

  it('refuses a file of a conversation the sender was removed from, but lets a member forward what they can see', async () => {
    const shared = await createGroup(call, t('ann'), ['ben']);
    const benAndCat = await createGroup(call, t('ben'), ['cat']);
    const file = await uploaded(t('ann'));
    expect((await send(call, t('ann'), shared, { text: 'doc', attachments: [file.id] })).status).toBe(201);
    expect((await send(call, t('ben'), benAndCat, { text: 'fwd', attachments: [file.id] })).status).toBe(201);

    const secret = await createGroup(call, t('ann'), ['ben']);
    const hidden = await uploaded(t('ann'));
    expect((await send(call, t('ann'), secret, { text: 'for now', attachments: [hidden.id] })).status).toBe(201);
    expect((await call('DELETE', `/v1/conversations/${secret}/members/ben`, { token: t('ann') })).status).toBe(204);
    refusedAttachment(await send(call, t('ben'), benAndCat, { text: 'leak', attachments: [hidden.id] }));
  });

  it('lets the uploader and the app itself attach', async () => {
    const group = await createGroup(call, t('ann'), ['ben']);
    const own = await uploaded(t('ben'));
    expect((await send(call, t('ben'), group, { text: 'own', attachments: [own.id] })).status).toBe(201);
    const appsOwn = await uploaded(t('cat'));
    const asApp = await call('POST', `/v1/conversations/${group}/messages`, { token: world.app.serverKey, body: { text: 'app', attachments: [appsOwn.id] } });
    expect(asApp.status).toBe(201);
  });
});

describe('a completed upload', () => {
  it('stays as it was when its upload URL is used again, with the same or other bytes', async () => {
    const group = await createGroup(call, t('ann'), ['ben']);
    const file = await uploaded(t('ann'));
    expect((await send(call, t('ann'), group, { text: 'doc', attachments: [file.id] })).status).toBe(201);
    for (const body of [file.bytes, Buffer.concat([file.bytes.subarray(0, 20), randomBytes(file.bytes.byteLength - 20)])]) {
      await fetch(file.upload.url, { method: 'PUT', headers: file.upload.headers, body: new Uint8Array(body) });
      const link = await call('GET', `/v1/media/${file.id}`, { token: t('ben') });
      expect(link.status).toBe(200);
      expect(link.body.media.status).toBe('ready');
      const fetched = await fetch(link.body.download.url);
      expect(fetched.status).toBe(200);
      expect(Buffer.from(await fetched.arrayBuffer()).equals(file.bytes)).toBe(true);
    }
  });
});
